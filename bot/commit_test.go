package bot

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"chibo/storage"
)

// Concurrent callers share commits; one failing function fails only its
// caller, and every other change is committed once.
func TestGroupCommit_concurrentCallers(t *testing.T) {
	db := mustOpenDB(t)
	var g groupCommit
	var wg sync.WaitGroup
	errs := make([]error, 60)
	for i := range errs {
		wg.Go(func() {
			errs[i] = g.do(db, func(tx *storage.Tx) error {
				if i == 17 {
					return errors.New("refused")
				}
				return tx.PutMetaInt(fmt.Sprintf("k%d", i), tx.MetaInt(fmt.Sprintf("k%d", i))+1)
			})
		})
	}
	wg.Wait()
	db.View(func(tx *storage.Tx) error {
		for i, err := range errs {
			v := tx.MetaInt(fmt.Sprintf("k%d", i))
			switch {
			case i == 17 && (err == nil || v != 0):
				t.Errorf("the failing function: err %v, value %d", err, v)
			case i != 17 && (err != nil || v != 1):
				t.Errorf("caller %d: err %v, value %d (want committed once)", i, err, v)
			}
		}
		return nil
	})
}
