// Package dbtest gives each test a fresh, migrated PostgreSQL database.
//
// A package opts in from its TestMain:
//
//	func TestMain(m *testing.M) { dbtest.Main(m) }
//
// Main starts one private server for the test binary (devpg, in fast mode,
// in a temporary directory) and migrates a template database once. New and
// URL then clone the template with CREATE DATABASE … TEMPLATE, which takes
// milliseconds, so every test gets its own database and tests may run in
// parallel. Each database is dropped when its test ends.
//
// With BACKSTOP_TEST_PG_URL set to a superuser URL, the tests use that
// server instead of starting one; names then carry a random part so that
// several test binaries can share the server at once.
package dbtest
