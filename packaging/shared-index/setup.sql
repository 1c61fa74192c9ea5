-- Sets up a shared semsearch index on a PostgreSQL server: a database, a role for the machines
-- that index (they write) and a role for the people who only search (they read). Run it once,
-- as a superuser, on the server:
--
--   sudo -u postgres psql -f /usr/share/doc/semsearch/examples/shared-index-setup.sql
--
-- Names can be changed with -v db=... -v writer=... -v reader=... (the defaults are below).
-- The roles get no password here, so that none ends up in a shell history or a file: give
-- each one afterwards, typed at psql's prompt (it sends the server only a hash):
--
--   sudo -u postgres psql -c '\password semsearch_writer'
--   sudo -u postgres psql -c '\password semsearch_reader'
--
-- and allow them in over the network in pg_hba.conf (scram-sha-256). The first `semsearch-cli
-- index` as the writer creates the tables; later versions of semsearch upgrade them the same way.

\set ON_ERROR_STOP on
\if :{?db}
\else
\set db semsearch
\endif
\if :{?writer}
\else
\set writer semsearch_writer
\endif
\if :{?reader}
\else
\set reader semsearch_reader
\endif

CREATE ROLE :"writer" LOGIN;
CREATE ROLE :"reader" LOGIN;

-- The writer owns the database, and with it (PostgreSQL 15) its public schema: it creates and
-- upgrades the tables. Nobody else may connect but the reader.
CREATE DATABASE :"db" OWNER :"writer";
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO :"reader";

\connect :"db"
-- Every table the writer creates, now or in a later upgrade, is readable by the reader, and
-- only readable: searching needs SELECT alone.
ALTER DEFAULT PRIVILEGES FOR ROLE :"writer" IN SCHEMA public GRANT SELECT ON TABLES TO :"reader";
