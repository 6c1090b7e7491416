-- WAL lets readers work while one writer commits; the mode persists in the database file.
PRAGMA journal_mode = WAL;

CREATE TABLE tenants (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL DEFAULT 'America/Sao_Paulo',
    language TEXT NOT NULL DEFAULT 'pt-BR',
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive')),
    created_at INTEGER NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    profile TEXT NOT NULL CHECK (profile IN ('admin', 'supervisor', 'supervisor_agent', 'agent')),
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive')),
    email TEXT,
    phone TEXT,
    birth_date TEXT,
    language TEXT NOT NULL DEFAULT 'pt-BR',
    password_hash TEXT NOT NULL,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    max_concurrent INTEGER NOT NULL DEFAULT 5 CHECK (max_concurrent BETWEEN 0 AND 80),
    priority INTEGER NOT NULL DEFAULT 0,
    department TEXT,
    social_token TEXT,
    integration_key TEXT,
    -- JSON array of weekly windows [{"day":"mon","start":"08:00","end":"18:00"}]; [] = any time
    working_hours TEXT NOT NULL DEFAULT '[]',
    see_group_history INTEGER NOT NULL DEFAULT 0,
    see_operation_history INTEGER NOT NULL DEFAULT 0,
    confidential_history INTEGER NOT NULL DEFAULT 0,
    -- Bumped to revoke every session of the user at once (deactivation, password change).
    session_epoch INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Usernames are stored lower-case; the login name is unique within a tenant.
CREATE UNIQUE INDEX users_tenant_username ON users (tenant_id, username);
CREATE INDEX users_tenant_status ON users (tenant_id, status);
