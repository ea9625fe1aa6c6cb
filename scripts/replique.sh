#!/usr/bin/env bash
# A hot standby of the local PostgreSQL server, on 127.0.0.1 too, so that the application can be
# run and tested with its read replica on one machine (docs/deploiement.md).
#
#   scripts/replique.sh demarrer   # clone the primary (pg_basebackup -R) and start the standby
#   scripts/replique.sh arreter    # stop the standby and delete its copy
#   scripts/replique.sh etat       # running or not, and how far behind; exit 3 when not streaming
#
# PRIMAIRE_PORT (5432), REPLIQUE_PORT (5433), REPLIQUE_DONNEES (/var/lib/postgresql/fiches-replique)
# and PGUSER (postgres) change the defaults. Run as root or postgres. Every command can be run
# again: demarrer leaves a streaming standby alone and clones afresh any other, arreter is a no-op
# when nothing runs.
set -euo pipefail

HOTE=127.0.0.1
PRIMAIRE_PORT=${PRIMAIRE_PORT:-5432}
REPLIQUE_PORT=${REPLIQUE_PORT:-5433}
DONNEES=${REPLIQUE_DONNEES:-/var/lib/postgresql/fiches-replique}
JOURNAL="$DONNEES.log"
UTILISATEUR=${PGUSER:-postgres}

# PostgreSQL's programs refuse to run as root: the data directory belongs to postgres.
en_postgres() {
  if [[ $(id -un) == postgres ]]; then
    "$@"
  else
    runuser -u postgres -- "$@"
  fi
}

primaire() {
  psql -X -h "$HOTE" -p "$PRIMAIRE_PORT" -U "$UTILISATEUR" -d postgres -Atq -c "$1"
}

secondaire() {
  psql -X -h "$HOTE" -p "$REPLIQUE_PORT" -U "$UTILISATEUR" -d postgres -Atq -c "$1"
}

binaires() {
  local version
  version=$(primaire "SHOW server_version_num")
  echo "/usr/lib/postgresql/$((version / 10000))/bin"
}

en_marche() {
  [[ -f "$DONNEES/PG_VERSION" ]] && en_postgres "$(binaires)/pg_ctl" status -D "$DONNEES" >/dev/null 2>&1
}

en_flux() {
  en_marche && [[ $(secondaire "SELECT status FROM pg_stat_wal_receiver" 2>/dev/null) == streaming ]]
}

verifier_le_primaire() {
  if ! pg_isready -q -h "$HOTE" -p "$PRIMAIRE_PORT"; then
    echo "Le serveur principal ne répond pas sur $HOTE:$PRIMAIRE_PORT." >&2
    exit 1
  fi
  # Both need a restart of the primary, which is not this script's to decide.
  local niveau emetteurs
  niveau=$(primaire "SHOW wal_level")
  emetteurs=$(primaire "SHOW max_wal_senders")
  if [[ $niveau == minimal || $emetteurs -lt 1 ]]; then
    echo "Le principal ne peut pas alimenter de secondaire (wal_level = $niveau, max_wal_senders = $emetteurs) :" \
      "wal_level = replica et max_wal_senders ≥ 1 dans sa configuration, puis redémarrage." >&2
    exit 1
  fi
}

# Replication connections match no "all" line of pg_hba.conf: one line is added, once, with the
# method the primary already uses for local TCP connections.
autoriser_la_replication() {
  local fichier methode
  fichier=$(primaire "SHOW hba_file")
  if grep -Eq "^[[:space:]]*host[[:space:]]+replication[[:space:]]+(all|$UTILISATEUR)[[:space:]]+$HOTE/32[[:space:]]" "$fichier"; then
    return
  fi
  methode=$(primaire "SELECT auth_method FROM pg_hba_file_rules WHERE type = 'host' AND address = '$HOTE'
                      AND 'all' = ANY(database) ORDER BY line_number LIMIT 1")
  printf '\n# Hot standby on this machine (scripts/replique.sh)\nhost replication %s %s/32 %s\n' \
    "$UTILISATEUR" "$HOTE" "${methode:-scram-sha-256}" >>"$fichier"
  primaire "SELECT pg_reload_conf()" >/dev/null
  echo "pg_hba.conf du principal : connexions de réplication autorisées depuis $HOTE ($fichier)."
}

arreter() {
  if en_marche; then
    en_postgres "$(binaires)/pg_ctl" stop -D "$DONNEES" -m fast -w >/dev/null
  fi
  rm -rf "$DONNEES"
}

demarrer() {
  verifier_le_primaire
  if en_flux; then
    echo "Secondaire déjà en service sur $HOTE:$REPLIQUE_PORT."
    return
  fi
  autoriser_la_replication
  arreter
  if pg_isready -q -h "$HOTE" -p "$REPLIQUE_PORT"; then
    echo "Le port $REPLIQUE_PORT est pris par un autre serveur : REPLIQUE_PORT=… pour en choisir un autre." >&2
    exit 1
  fi
  local bin
  bin=$(binaires)
  # -c fast: the backup starts at once instead of at the primary's next checkpoint.
  en_postgres "$bin/pg_basebackup" -h "$HOTE" -p "$PRIMAIRE_PORT" -U "$UTILISATEUR" -D "$DONNEES" \
    --write-recovery-conf --wal-method=stream --checkpoint=fast
  # Debian keeps a cluster's configuration out of its data directory, so the copy has none of its
  # own. A standby needs at least the primary's values of these, or refuses to start.
  {
    echo "# scripts/replique.sh"
    echo "port = $REPLIQUE_PORT"
    echo "listen_addresses = '$HOTE'"
    echo "unix_socket_directories = '/var/run/postgresql'"
    echo "hot_standby = on"
    # Long dashboard reads on the standby hold back the primary's vacuum rather than being cancelled.
    echo "hot_standby_feedback = on"
    for parametre in max_connections max_worker_processes max_wal_senders max_prepared_transactions \
      max_locks_per_transaction; do
      echo "$parametre = $(primaire "SHOW $parametre")"
    done
  } | en_postgres tee -a "$DONNEES/postgresql.conf" >/dev/null
  en_postgres cp "$(primaire "SHOW hba_file")" "$DONNEES/pg_hba.conf"
  en_postgres touch "$DONNEES/pg_ident.conf"
  en_postgres "$bin/pg_ctl" start -D "$DONNEES" -l "$JOURNAL" -w -t 60 >/dev/null
  for _ in $(seq 1 30); do
    if en_flux; then
      echo "Secondaire en service sur $HOTE:$REPLIQUE_PORT, alimenté en continu par $HOTE:$PRIMAIRE_PORT."
      return
    fi
    sleep 1
  done
  echo "Le secondaire a démarré mais ne reçoit pas le journal du principal ; voir $JOURNAL." >&2
  exit 1
}

etat() {
  if ! en_marche; then
    echo "Secondaire arrêté."
    exit 3
  fi
  local reception retard
  reception=$(secondaire "SELECT coalesce((SELECT status FROM pg_stat_wal_receiver), 'aucune')")
  retard=$(primaire "SELECT coalesce(max(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)), 0)
                     FROM pg_stat_replication")
  echo "Secondaire en marche sur $HOTE:$REPLIQUE_PORT ($DONNEES) ; réception du journal : $reception ;" \
    "retard de rejeu : $retard octets."
  [[ $reception == streaming ]] || exit 3
}

case "${1:-}" in
  demarrer) demarrer ;;
  arreter)
    arreter
    echo "Secondaire arrêté."
    ;;
  etat) etat ;;
  *)
    echo "Usage : $0 demarrer|arreter|etat" >&2
    exit 2
    ;;
esac
