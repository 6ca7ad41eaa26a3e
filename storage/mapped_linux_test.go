package storage

import (
	"bytes"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
)

// Releasing the mapped pages takes them out of the process's resident
// memory, and reads before, during and after see the same records.
func TestReleaseMapped(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "chibo.db"), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const n, size = 6000, 4000 // about 24 MB of values
	value := func(i int) []byte { return bytes.Repeat([]byte(fmt.Sprintf("%06d", i)), size/6) }
	if err := db.Update(func(tx *Tx) error {
		for i := range n {
			if err := tx.PutMeta(fmt.Sprintf("bulk-%06d", i), value(i)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	readAll := func() error {
		return db.View(func(tx *Tx) error {
			for i := range n {
				if got := tx.Meta(fmt.Sprintf("bulk-%06d", i)); !bytes.Equal(got, value(i)) {
					return fmt.Errorf("record %d reads %.20q", i, got)
				}
			}
			return nil
		})
	}
	base, err := MappedResident()
	if err != nil {
		t.Fatal(err)
	}
	if err := readAll(); err != nil {
		t.Fatal(err)
	}
	before, err := MappedResident()
	if err != nil {
		t.Fatal(err)
	}
	if before-base < n*size/2 {
		// The kernel reclaimed the pages as they were read (memory is
		// short): there is nothing mapped for the release to drop.
		t.Skipf("reading %d MB mapped only %d MB", n*size>>20, (before-base)>>20)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 { // readers while the pages are released
		wg.Go(func() { errs <- readAll() })
	}
	if err := db.ReleaseMapped(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := db.ReleaseMapped(); err != nil {
		t.Fatal(err)
	}
	after, err := MappedResident()
	if err != nil {
		t.Fatal(err)
	}
	if drop := before - after; drop < n*size/2 {
		t.Errorf("mapped resident memory %d MB before, %d MB after the release: want at least %d MB less", before>>20, after>>20, n*size/2>>20)
	}
	if err := readAll(); err != nil {
		t.Fatalf("after the release: %v", err)
	}
}
