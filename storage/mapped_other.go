//go:build !linux

package storage

// MappedResident is not measured on this system: it reports 0.
func MappedResident() (int64, error) { return 0, nil }

// ReleaseMapped does nothing on this system.
func (db *DB) ReleaseMapped() error { return nil }
