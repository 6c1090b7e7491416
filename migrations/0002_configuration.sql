-- Configuration resources (operations, groups, surveys, classifications, tags, ...): the
-- validated JSON document of each item plus the columns lists filter, sort and index on.
CREATE TABLE config_items (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    -- Lower-cased text the `q` filter searches.
    search TEXT NOT NULL,
    -- Unique per tenant and kind when set (a tag's name, a quick reply's group/shortcut).
    unique_key TEXT,
    -- The item this one belongs to (a group's operation, a quick reply's group).
    ref_id INTEGER,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive')),
    data TEXT NOT NULL,
    -- Compare-and-set guard for concurrent edits.
    version INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX config_items_unique ON config_items (tenant_id, kind, unique_key)
    WHERE unique_key IS NOT NULL;
CREATE INDEX config_items_list ON config_items (tenant_id, kind, status, name);
CREATE INDEX config_items_ref ON config_items (tenant_id, kind, ref_id);

-- Agents who answer a group's queue.
CREATE TABLE group_members (
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    group_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, group_id, user_id)
) WITHOUT ROWID;
CREATE INDEX group_members_user ON group_members (tenant_id, user_id);

-- Operations a supervisor (or supervisor-agent) oversees.
CREATE TABLE supervisor_operations (
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    user_id INTEGER NOT NULL,
    operation_id INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, user_id, operation_id)
) WITHOUT ROWID;

-- API tokens for bots and integrations: the secret is shown once; only its hash is kept.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_by INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
    last_used_at INTEGER,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX api_tokens_tenant ON api_tokens (tenant_id, status);

-- Clients (contacts). The phone is the identity: unique per tenant when set.
CREATE TABLE clients (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    phone TEXT,
    email TEXT,
    birth_date TEXT,
    show_name_in_greeting INTEGER NOT NULL DEFAULT 0,
    document_type TEXT CHECK (document_type IN ('cpf', 'cnpj')),
    document TEXT,
    priority INTEGER NOT NULL DEFAULT 0,
    attributes TEXT NOT NULL DEFAULT '{}',
    portfolio_agent_id INTEGER,
    network TEXT,
    group_id INTEGER,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive')),
    search TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX clients_username ON clients (tenant_id, username);
CREATE UNIQUE INDEX clients_phone ON clients (tenant_id, phone) WHERE phone IS NOT NULL;
CREATE INDEX clients_list ON clients (tenant_id, status, display_name);

-- Client CSV imports: every row kept with its outcome, so bad rows can be fixed and re-sent.
CREATE TABLE client_imports (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    created_by INTEGER NOT NULL,
    file_rows INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE client_import_rows (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    import_id INTEGER NOT NULL REFERENCES client_imports (id),
    line INTEGER NOT NULL,
    -- The row's cells by column name (JSON), as sent or as last corrected.
    cells TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('created', 'rejected')),
    field TEXT,
    reason TEXT,
    client_id INTEGER,
    updated_at INTEGER NOT NULL
);
CREATE INDEX client_import_rows_import ON client_import_rows (tenant_id, import_id, status, line);
