-- The subdistrict of a community or organisation id: the registry's (ref.*.subdistrict), else read from the code. Created after the ref tables they read.
create or replace macro meta.subdistrict(community) as
    coalesce(
        (select c.subdistrict from ref.communities as c where c.community_id = community),
        meta.code_subdistrict(community)
    );
create or replace macro meta.org_subdistrict(org) as
    coalesce(
        (select o.subdistrict from ref.organisations as o where o.org_id = org),
        meta.code_subdistrict(org)
    );
