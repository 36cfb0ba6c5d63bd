-- Webhook secrets rest sealed with the deployment's key (services/kit/sealing.py), never in
-- clear. Secrets kept in clear before this migration are wiped (a Fernet token starts "gAAAAA"):
-- their deliveries then fail visibly ("cannot be opened") until the subscriber registers anew.
ALTER TABLE __SCHEMA__.subscriber_secrets RENAME COLUMN secret TO sealed_secret;
UPDATE __SCHEMA__.subscriber_secrets SET sealed_secret = ''
WHERE sealed_secret NOT LIKE 'gAAAAA%';
