-- Deletes the tags of the pools in the registered frame stale_pools (period × community), before they are tagged again.
delete from core.opinion_tags as t
using stale_pools as p
where t.period = p.period and t.community_id = p.community_id
