-- The fingerprints of the taxonomy ref.topics holds (one row each; one row when current, none before the first tagging).
with topics as (
    select taxonomy from ref.topics
),

final as (
    select distinct taxonomy from topics
)

select * from final
