-- A client's channel identities found by client: a customer known only by a Telegram chat or a
-- web-chat session is valid without a phone or an e-mail, checked on every edit of them.
CREATE INDEX client_identities_client ON client_identities (tenant_id, client_id);
