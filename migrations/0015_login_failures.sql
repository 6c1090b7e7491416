-- Failed logins, kept for the company's admin to read (GET /api/admin/login-failures): who
-- was tried, from where, and why it failed. Attempts refused by the throttle's delay are not
-- rows: they cost nothing to send, so they must not cost a write. The throttle's counters live in the key-value
-- store; this is the record.
CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    username TEXT NOT NULL,
    -- The user, when the username exists in the company.
    user_id INTEGER,
    address TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('wrong_password', 'unknown_user')),
    created_at INTEGER NOT NULL
);
CREATE INDEX login_failures_recent ON login_failures (tenant_id, id);
CREATE INDEX login_failures_user ON login_failures (tenant_id, username, id);
