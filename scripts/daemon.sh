# shellcheck shell=bash
# Sourced by scripts/buildkit-up, scripts/buildkit-down and scripts/buildkit-multinode:
# how they find again, wait for and stop the daemons they start. A daemon is known by
# its pid file; a pid counts as that daemon only while its command line matches a
# pattern naming the daemon and its state dir, so a stale pid file whose pid was reused
# by another process is never taken for it (nor killed).
# The caller defines log() (one line to stdout).

# pid_alive PIDFILE PATTERN: the pid file names a live process whose command line
# matches PATTERN (grep's basic regular expression).
pid_alive() {
  local pid
  [[ -f $1 ]] || return 1
  pid=$(<"$1")
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$2" || return 1
}

# still_running PID: the process exists and is not a zombie. Used while a daemon just
# started comes up: until the forked shell has exec'd the daemon, its command line is
# still the starting script's, so pid_alive's command-line test would call it dead.
still_running() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

# stop_daemon PIDFILE PATTERN LABEL: SIGTERM the daemon of the pid file, SIGKILL after
# 20 s, then remove the pid file. A pid that is not the daemon (see pid_alive) is left
# alone and only its pid file goes.
stop_daemon() {
  local pidfile=$1 pattern=$2 label=$3 pid i
  [[ -f $pidfile ]] || { log "$label: not running (no pid file)"; return 0; }
  pid=$(<"$pidfile")
  if pid_alive "$pidfile" "$pattern"; then
    log "stopping $label (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      still_running "$pid" || break
      sleep 0.2
    done
    if still_running "$pid"; then
      log "$label (pid $pid) did not stop within 20s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
    fi
  else
    log "$label: pid ${pid:-?} is gone or is another process (stale pid file)"
  fi
  rm -f "$pidfile"
}

# tail_log FILE: its last 30 lines on stderr, framed; nothing when it does not exist.
tail_log() {
  [[ -f $1 ]] && { echo "---- last lines of $1 ----" >&2; tail -n 30 "$1" >&2; echo "----" >&2; }
  return 0
}
