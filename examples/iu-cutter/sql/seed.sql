-- Deterministic sample data with the row counts of the reference reports:
-- 158 information units, 165 unit versions, 60 lifecycle-log rows; governance 2/61/2/3/2/4.

INSERT INTO public.information_unit (id, canonical_address, title, body, unit_kind, section_type, owner_ref, status, created_at, updated_at)
SELECT n,
       'ICX-CONST/ART-' || lpad(n::text, 3, '0'),
       'Article ' || n,
       'Body of article ' || n || '. ' || repeat('Lorem ipsum dolor sit amet. ', 1 + n % 4),
       CASE WHEN n <= 150 THEN 'article' ELSE 'annex' END,
       (ARRAY['preamble', 'article', 'clause', 'section', 'annex'])[1 + n % 5],
       'owner/' || (1 + n % 5),
       CASE WHEN n <= 150 THEN 'enacted' ELSE 'draft' END,
       timestamptz '2026-01-01 00:00:00+00' + n * interval '1 hour',
       timestamptz '2026-01-01 00:00:00+00' + n * interval '1 hour'
FROM generate_series(1, 158) AS n;
SELECT setval('public.information_unit_id_seq', 158);

INSERT INTO public.unit_version (id, iu_id, version_no, title, body, status, created_at)
SELECT n, n, 1, 'Article ' || n, 'Body of article ' || n || '.',
       CASE WHEN n <= 150 THEN 'enacted' ELSE 'draft' END,
       timestamptz '2026-01-01 00:00:00+00' + n * interval '1 hour'
FROM generate_series(1, 158) AS n;
INSERT INTO public.unit_version (id, iu_id, version_no, title, body, status, created_at)
SELECT 158 + n, n, 2, 'Article ' || n || ' (amended)', 'Amended body of article ' || n || '.', 'draft',
       timestamptz '2026-02-01 00:00:00+00' + n * interval '1 hour'
FROM generate_series(1, 7) AS n;
SELECT setval('public.unit_version_id_seq', 165);

INSERT INTO public.iu_lifecycle_log (id, iu_id, event, actor, note, at)
SELECT n, n, CASE WHEN n % 3 = 0 THEN 'enacted' ELSE 'created' END, 'seed', 'seed row ' || n,
       timestamptz '2026-01-01 00:00:00+00' + n * interval '1 hour'
FROM generate_series(1, 60) AS n;
SELECT setval('public.iu_lifecycle_log_id_seq', 60);

INSERT INTO cutter_governance.cut_change_set (id, change_set_ref, status, created_at) VALUES
  (1, 'CS-0001', 'verified', timestamptz '2026-03-01 00:00:00+00'),
  (2, 'CS-0002', 'reviewed', timestamptz '2026-03-02 00:00:00+00');
SELECT setval('cutter_governance.cut_change_set_id_seq', 2);

INSERT INTO cutter_governance.cut_change_set_affected_row (id, change_set_id, table_name, row_ref, action)
SELECT n, CASE WHEN n <= 30 THEN 1 ELSE 2 END,
       CASE WHEN n % 2 = 0 THEN 'public.unit_version' ELSE 'public.information_unit' END,
       'ICX-CONST/ART-' || lpad(n::text, 3, '0'),
       CASE WHEN n % 7 = 0 THEN 'retire' WHEN n % 2 = 0 THEN 'update' ELSE 'insert' END
FROM generate_series(1, 61) AS n;
SELECT setval('cutter_governance.cut_change_set_affected_row_id_seq', 61);

INSERT INTO cutter_governance.manifest_envelope (id, change_set_id, manifest_sha256, payload, created_at)
SELECT n, n, encode(sha256(convert_to('CS-000' || n, 'UTF8')), 'hex'),
       jsonb_build_object('change_set', 'CS-000' || n, 'rows', CASE WHEN n = 1 THEN 30 ELSE 31 END),
       timestamptz '2026-03-01 00:00:00+00' + n * interval '1 day'
FROM generate_series(1, 2) AS n;
SELECT setval('cutter_governance.manifest_envelope_id_seq', 2);

INSERT INTO cutter_governance.review_decision (id, change_set_id, reviewer, decision, decided_at) VALUES
  (1, 1, 'reviewer/a', 'request-changes', timestamptz '2026-03-03 00:00:00+00'),
  (2, 1, 'reviewer/a', 'approve', timestamptz '2026-03-04 00:00:00+00'),
  (3, 2, 'reviewer/b', 'approve', timestamptz '2026-03-05 00:00:00+00');
SELECT setval('cutter_governance.review_decision_id_seq', 3);

INSERT INTO cutter_governance.verify_result (id, change_set_id, verifier, result, detail, verified_at) VALUES
  (1, 1, 'cutter_verify', 'fail', '{"missing": ["body"]}', timestamptz '2026-03-04 12:00:00+00'),
  (2, 1, 'cutter_verify', 'pass', '{"rows": 30}', timestamptz '2026-03-05 12:00:00+00');
SELECT setval('cutter_governance.verify_result_id_seq', 2);

INSERT INTO cutter_governance.dot_pair_signature (id, change_set_id, signer, signature, signed_at)
SELECT n, 1 + (n - 1) / 2, 'signer/' || (1 + (n - 1) % 2),
       encode(sha256(convert_to('sig-' || n, 'UTF8')), 'hex'),
       timestamptz '2026-03-06 00:00:00+00' + n * interval '1 hour'
FROM generate_series(1, 4) AS n;
SELECT setval('cutter_governance.dot_pair_signature_id_seq', 4);
