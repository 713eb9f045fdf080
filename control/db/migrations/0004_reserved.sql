-- Reserved: 0004 is the worker block's migration (0004_jobs_media.sql, on its own branch).
-- This placeholder keeps the numbering contiguous until that branch is merged; the merge
-- replaces this file with the worker's (a database that applied it is a development one).
SELECT 1;
