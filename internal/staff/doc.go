// Package staff is who may use the console: staff logins, their passwords,
// their sessions and the audit log of what they did.
//
// Passwords are hashed with argon2id and stored as PHC strings
// ($argon2id$v=19$m=…,t=…,p=…$salt$hash), so the parameters can be raised
// later without breaking old hashes: Verify reads them from the string.
// Authenticate answers the same error, after about the same time, for an
// unknown email, a disabled login and a wrong password, so the sign-in form
// cannot be used to learn who has a login.
//
// A session is a 256-bit random token that the browser keeps in a cookie;
// the database keeps only its SHA-256, so a leaked copy of the sessions
// table signs no one in. Sessions end after a fixed lifetime, at sign-out,
// or when the login is disabled.
//
// The package declares the Store it needs; internal/store implements it.
// It knows nothing of HTTP: the web layer turns its errors (apperr kinds
// Invalid, Conflict, Unauthenticated) into pages.
package staff
