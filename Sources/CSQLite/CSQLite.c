#include "CSQLite.h"

int csqlite_bind_text(sqlite3_stmt *stmt, int index, const char *text, int length) {
    return sqlite3_bind_text(stmt, index, text, length, SQLITE_TRANSIENT);
}

int csqlite_bind_blob(sqlite3_stmt *stmt, int index, const void *bytes, int length) {
    // A zero-length blob must still bind as a blob, not NULL.
    return sqlite3_bind_blob(stmt, index, length == 0 ? "" : bytes, length, SQLITE_TRANSIENT);
}
