"""The version of the extraction rules, importable without loading them.

Bump ``RULES_VERSION`` whenever the extraction code, its lexicons or the
gazetteer change: a store read with an older version re-reads its stories on
the next start. It lives outside ``sitmon.extract`` because importing that
package compiles every pattern, and a poll where every feed answers 304 must not
pay for that just to learn that nothing needs re-reading.
"""

RULES_VERSION = 5
