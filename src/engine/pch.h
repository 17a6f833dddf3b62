// Precompiled header for engine/: DuckDB's headers are large, and only this module includes them.
#pragma once

#include "duckdb.hpp"
