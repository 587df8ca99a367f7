-- Roles are cluster-wide: create them only if absent (several databases may share one cluster,
-- and two sessions may race; the loser sees duplicate_object or unique_violation).
DO $$
DECLARE r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['cutter_exec', 'cutter_verify'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
      BEGIN
        EXECUTE format('CREATE ROLE %I NOLOGIN', r);
      EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL;
      END;
    END IF;
  END LOOP;
END;
$$;

-- Grants are per database: start from nothing, then grant exactly what each role needs.
REVOKE ALL ON ALL TABLES IN SCHEMA public, cutter_governance FROM cutter_exec, cutter_verify;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public, cutter_governance FROM cutter_exec, cutter_verify;
REVOKE ALL ON FUNCTION public.fn_iu_create(text, text, text, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.fn_refuse_enacted_update() FROM PUBLIC;

-- cutter_exec: writes only through fn_iu_create (SECURITY DEFINER); may read everything.
GRANT USAGE ON SCHEMA public, cutter_governance TO cutter_exec;
GRANT SELECT ON ALL TABLES IN SCHEMA public, cutter_governance TO cutter_exec;
GRANT EXECUTE ON FUNCTION public.fn_iu_create(text, text, text, text, text, text) TO cutter_exec;

-- cutter_verify: reads and appends verification results, nothing else.
GRANT USAGE ON SCHEMA cutter_governance TO cutter_verify;
GRANT SELECT, INSERT ON cutter_governance.verify_result TO cutter_verify;
GRANT USAGE ON SEQUENCE cutter_governance.verify_result_id_seq TO cutter_verify;
