package storage

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	bolt "go.etcd.io/bbolt"
)

// MappedResident is how much of this process's resident memory is pages of
// mapped files (RssFile in /proc/self/status), in bytes: the program's own
// text, and the pages of the database file read since they were last
// released.
func MappedResident() (int64, error) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "RssFile:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no RssFile in /proc/self/status")
}

// ReleaseMapped drops this process's mappings of the database file's pages
// (madvise MADV_DONTNEED). bbolt reads the file through a read-only shared
// mapping and writes through the file, so every mapped page is a clean page
// of the kernel's page cache: dropping the mapping loses nothing, the page
// stays cached (shared, and reclaimable when memory is short), and the next
// read maps it again without touching the disk. Without this, every page a
// broad read ever touched (the start's look at every cell, the daily
// housekeeping, an export) counts in the process's resident memory until
// the kernel needs the memory. The read transaction keeps bbolt from
// remapping the file meanwhile.
func (db *DB) ReleaseMapped() error {
	return db.bolt.View(func(tx *bolt.Tx) error {
		size := tx.Size()
		if size == 0 {
			return nil
		}
		if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, db.bolt.Info().Data, uintptr(size), syscall.MADV_DONTNEED); errno != 0 {
			return fmt.Errorf("release mapped pages: %w", errno)
		}
		return nil
	})
}
