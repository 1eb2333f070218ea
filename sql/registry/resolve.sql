-- The id each wanted lookup key finds in the registry lookup (known), in the order asked; null where none.
select k.id
from wanted as w
left join known as k on w.key = k.key
order by w.pos
