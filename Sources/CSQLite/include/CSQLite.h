#pragma once
#include <sqlite3.h>

// SQLITE_TRANSIENT is a macro casting -1 to a function pointer, which Swift cannot
// import. These wrappers bind copies so Swift's temporary buffers may go away at once.
int csqlite_bind_text(sqlite3_stmt *stmt, int index, const char *text, int length);
int csqlite_bind_blob(sqlite3_stmt *stmt, int index, const void *bytes, int length);
