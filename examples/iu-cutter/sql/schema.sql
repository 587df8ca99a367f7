-- iu-cutter v0.6 sample schema: information units, their versions, lifecycle log, and governance.
-- Applied to a fresh database (CREATE statements are not idempotent on purpose).

CREATE TABLE public.information_unit (
  id                bigserial PRIMARY KEY,
  canonical_address text NOT NULL UNIQUE,
  title             text,
  body              text,
  unit_kind         text,
  section_type      text,
  owner_ref         text,
  status            text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'review', 'enacted', 'retired')),
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.unit_version (
  id          bigserial PRIMARY KEY,
  iu_id       bigint NOT NULL REFERENCES public.information_unit (id),
  version_no  integer NOT NULL CHECK (version_no >= 1),
  title       text NOT NULL,
  body        text NOT NULL,
  status      text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'review', 'enacted', 'superseded')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (iu_id, version_no)
);

CREATE TABLE public.iu_lifecycle_log (
  id       bigserial PRIMARY KEY,
  iu_id    bigint NOT NULL REFERENCES public.information_unit (id),
  event    text NOT NULL,
  actor    text NOT NULL,
  note     text,
  at       timestamptz NOT NULL DEFAULT now()
);

CREATE SCHEMA cutter_governance;

CREATE TABLE cutter_governance.cut_change_set (
  id             bigserial PRIMARY KEY,
  change_set_ref text NOT NULL UNIQUE,
  status         text NOT NULL CHECK (status IN ('proposed', 'reviewed', 'verified', 'applied', 'reverted')),
  created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE cutter_governance.cut_change_set_affected_row (
  id            bigserial PRIMARY KEY,
  change_set_id bigint NOT NULL REFERENCES cutter_governance.cut_change_set (id),
  table_name    text NOT NULL,
  row_ref       text NOT NULL,
  action        text NOT NULL CHECK (action IN ('insert', 'update', 'retire'))
);

CREATE TABLE cutter_governance.manifest_envelope (
  id              bigserial PRIMARY KEY,
  change_set_id   bigint NOT NULL REFERENCES cutter_governance.cut_change_set (id),
  manifest_sha256 text NOT NULL CHECK (manifest_sha256 ~ '^[0-9a-f]{64}$'),
  payload         jsonb NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE cutter_governance.review_decision (
  id            bigserial PRIMARY KEY,
  change_set_id bigint NOT NULL REFERENCES cutter_governance.cut_change_set (id),
  reviewer      text NOT NULL,
  decision      text NOT NULL CHECK (decision IN ('approve', 'reject', 'request-changes')),
  decided_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE cutter_governance.verify_result (
  id            bigserial PRIMARY KEY,
  change_set_id bigint NOT NULL REFERENCES cutter_governance.cut_change_set (id),
  verifier      text NOT NULL,
  result        text NOT NULL CHECK (result IN ('pass', 'fail')),
  detail        jsonb,
  verified_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE cutter_governance.dot_pair_signature (
  id            bigserial PRIMARY KEY,
  change_set_id bigint NOT NULL REFERENCES cutter_governance.cut_change_set (id),
  signer        text NOT NULL,
  signature     text NOT NULL,
  signed_at     timestamptz NOT NULL DEFAULT now()
);

-- Creates one information unit with its first version and a lifecycle-log row.
-- Returns 'created' or a refusal reason; never raises for bad input, so callers can prove refusals.
CREATE FUNCTION public.fn_iu_create(
  p_canonical_address text,
  p_title             text,
  p_body              text,
  p_unit_kind         text,
  p_section_type      text,
  p_owner_ref         text
) RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
DECLARE
  missing text[] := ARRAY[]::text[];
  new_id  bigint;
BEGIN
  IF coalesce(btrim(p_canonical_address), '') = '' THEN missing := array_append(missing, 'canonical_address'); END IF;
  IF coalesce(btrim(p_body), '') = '' THEN missing := array_append(missing, 'body'); END IF;
  IF coalesce(btrim(p_title), '') = '' THEN missing := array_append(missing, 'title'); END IF;
  IF coalesce(btrim(p_unit_kind), '') = '' THEN missing := array_append(missing, 'unit_kind'); END IF;
  IF coalesce(btrim(p_section_type), '') = '' THEN missing := array_append(missing, 'section_type'); END IF;
  IF coalesce(btrim(p_owner_ref), '') = '' THEN missing := array_append(missing, 'owner_ref'); END IF;
  IF cardinality(missing) > 0 THEN
    RETURN 'refused: missing ' || array_to_string(missing, ',');
  END IF;
  IF p_section_type NOT IN ('preamble', 'article', 'clause', 'section', 'annex') THEN
    RETURN 'refused: section_type ' || p_section_type || ' not in vocabulary';
  END IF;
  IF EXISTS (SELECT 1 FROM public.information_unit WHERE canonical_address = p_canonical_address) THEN
    RETURN 'refused: duplicate canonical_address';
  END IF;

  INSERT INTO public.information_unit (canonical_address, title, body, unit_kind, section_type, owner_ref, status)
  VALUES (p_canonical_address, p_title, p_body, p_unit_kind, p_section_type, p_owner_ref, 'draft')
  RETURNING id INTO new_id;
  INSERT INTO public.unit_version (iu_id, version_no, title, body, status)
  VALUES (new_id, 1, p_title, p_body, 'draft');
  INSERT INTO public.iu_lifecycle_log (iu_id, event, actor, note)
  VALUES (new_id, 'created', current_user, 'fn_iu_create');
  RETURN 'created';
END;
$$;

-- An enacted version is the record of what was in force: it may never change.
CREATE FUNCTION public.fn_refuse_enacted_update() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  RAISE EXCEPTION 'unit_version % is enacted and immutable', OLD.id
    USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE TRIGGER trg_unit_version_enacted_immutable
  BEFORE UPDATE ON public.unit_version
  FOR EACH ROW
  WHEN (OLD.status = 'enacted')
  EXECUTE FUNCTION public.fn_refuse_enacted_update();
