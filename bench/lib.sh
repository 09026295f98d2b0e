# Shared by the bench scripts (sourced).

# wrk's requests/s, from its output on stdin; fails, saying so, when any answer was not 2xx: a
# rate of refusals is not a figure.
wrk_rate() {
  local out
  out=$(cat)
  if grep -q "Non-2xx or 3xx responses" <<<"$out"; then
    echo "$(grep "Non-2xx or 3xx responses" <<<"$out" | tr -s ' '): not a figure" >&2
    return 1
  fi
  sed -n 's/^Requests\/sec:[[:space:]]*\([0-9.]*\).*/\1/p' <<<"$out"
}
