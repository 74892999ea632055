-- 006: observations no longer repeat the uploading organisation on every row. It was always
-- the organisation of the row's upload (insert_upload is the only writer), so it now comes
-- from uploads via upload_id. One text column less per row: an import of 1 M rows is
-- ≈ 30 ms faster (docs/benchmarks.md); filters by organisation go through uploads.
ALTER TABLE observations DROP COLUMN organisation;
