#!/bin/sh
# Serves the built API (dist/main.js) with the memory settings of a small server. `npm start` (root) and
# `npm run serve -w @celr/api` both run this, so the settings live in one place; `exec` leaves no shell
# (and no nested npm process, about 55 MB) between the caller and the API.
# - --max-old-space-size=160: the JavaScript heap idles near 45 MB and a bulk import stays well under it.
# - MALLOC_ARENA_MAX=2: glibc otherwise makes an arena per thread (libuv's pool, V8's helpers), each
#   keeping what it once held.
# - MALLOC_MMAP_THRESHOLD_=131072: fixes glibc's threshold for allocating with mmap. Left dynamic, it
#   rises after the first large free, and the 16 MB that every scrypt check of a client secret
#   (auth/secrets.ts) allocates then comes from an arena and stays in the process after it is freed.
cd "$(dirname "$0")/.." || exit 1
MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2} MALLOC_MMAP_THRESHOLD_=${MALLOC_MMAP_THRESHOLD_:-131072} \
  exec node --max-old-space-size=160 dist/main.js "$@"
