# Sourced by the ratchet checks (check_format.sh, check_tidy.sh): reads a pending list (one path
# per line, '#' comments) into the associative array `pending` and names each entry that no longer
# exists, setting `failed=1`. Usage: read_pending_list CHECK_NAME LIST_FILE
read_pending_list() {
  local check="$1" list="$2" path
  declare -gA pending=()
  while read -r path; do
    path="${path%%#*}"
    path="$(echo "$path" | xargs)"
    [ -n "$path" ] && pending["$path"]=1
  done < "$list"
  for path in "${!pending[@]}"; do
    if [ ! -f "$path" ]; then
      echo "$check: $list lists $path, which does not exist: remove the line"
      failed=1
    fi
  done
}
