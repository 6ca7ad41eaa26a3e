package storage

import (
	"fmt"
	"testing"
	"time"
)

// Each prune removes everything past its cutoff in one call: bbolt's cursor
// skips the key after one deleted under it, which would leave every other
// old entry behind.
// The skip shows when the rows were written in the same transaction (as the
// daily tick does: it audits and prunes in one).
func TestPrune_removesAllOldInOneCall(t *testing.T) {
	t.Run("same transaction", func(t *testing.T) { testPrune(t, true) })
	t.Run("earlier transaction", func(t *testing.T) { testPrune(t, false) })
}

func testPrune(t *testing.T, sameTx bool) {
	db := MustOpenDB(t)
	const old, young = 60, 5
	cutoff := t0.Add(30 * 24 * time.Hour)
	fill := func(tx *Tx) error {
		for i := range old + young {
			at := t0.Add(time.Duration(i) * time.Hour)
			if i >= old {
				at = cutoff.Add(time.Duration(i) * time.Hour)
			}
			if err := tx.AppendAudit(&AuditEntry{At: at, Action: "x"}); err != nil {
				return err
			}
			if err := tx.MarkProcessed(fmt.Sprint("tg:", i), at); err != nil {
				return err
			}
			it := &OutboxItem{Key: fmt.Sprint("reminder/", i), Transport: "telegram", Chat: "7", Payload: []byte("{}")}
			if _, err := tx.Enqueue(it, at); err != nil {
				return err
			}
			it.State, it.Ended = OutboxSent, at.Add(time.Minute)
			if err := tx.UpdateOutbox(it); err != nil {
				return err
			}
		}
		// A row still pending is kept whatever its age.
		_, err := tx.Enqueue(&OutboxItem{Transport: "telegram", Chat: "8", Payload: []byte("{}")}, t0)
		return err
	}
	if !sameTx {
		if err := db.Update(fill); err != nil {
			t.Fatal(err)
		}
	}
	err := db.Update(func(tx *Tx) error {
		if sameTx {
			if err := fill(tx); err != nil {
				return err
			}
		}
		for name, prune := range map[string]func(time.Time) (int, error){"audit": tx.PruneAudit, "events": tx.PruneProcessed, "outbox": tx.PruneOutbox} {
			if n, err := prune(cutoff); err != nil || n != old {
				t.Errorf("%s: pruned %d (%v), want %d", name, n, err, old)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(func(tx *Tx) error {
		if es, _ := tx.AuditLog(1000, nil); len(es) != young {
			t.Errorf("%d audit entries left, want %d", len(es), young)
		}
		rows, err := tx.OutboxRows()
		if err != nil {
			return err
		}
		if len(rows) != young+1 {
			t.Errorf("%d outbox rows left, want %d", len(rows), young+1)
		}
		for i := range old + young {
			if tx.Processed(fmt.Sprint("tg:", i)) != (i >= old) {
				t.Errorf("event %d: processed %v", i, i >= old)
			}
			// The key of a pruned row still says the message was sent.
			if !tx.OutboxKeyUsed(fmt.Sprint("reminder/", i)) {
				t.Errorf("key of row %d forgotten", i)
			}
		}
		if tx.OutboxKeyUsed("reminder/never") {
			t.Error("a key never used is reported used")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestScrubAudit_everyEntryOfTheMember(t *testing.T) {
	db := MustOpenDB(t)
	err := db.Update(func(tx *Tx) error {
		for i := range 50 {
			subject := uint64(7)
			if i%5 == 0 {
				subject = 8
			}
			e := &AuditEntry{At: t0.Add(time.Duration(i) * time.Minute), Action: "status", SubjectID: subject, Before: []byte(`"Thuận An"`), After: []byte(`"0912345678"`)}
			if err := tx.AppendAudit(e); err != nil {
				return err
			}
		}
		if err := tx.ScrubAudit(7); err != nil {
			return err
		}
		es, err := tx.AuditLog(1000, nil)
		if err != nil {
			return err
		}
		kept := 0
		for _, e := range es {
			switch {
			case e.SubjectID == 7 && (e.Before != nil || e.After != nil):
				t.Errorf("entry %d about the member kept its values", e.ID)
			case e.SubjectID == 8 && e.Before != nil && e.After != nil:
				kept++
			}
		}
		if len(es) != 50 || kept != 10 {
			t.Errorf("%d entries, %d of another member intact; want 50 and 10", len(es), kept)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Keys are forgotten once their window has passed, earliest first and no
// more than asked at a time; a key without a window is kept for ever.
func TestTx_PruneOutboxKeys(t *testing.T) {
	db := MustOpenDB(t)
	err := db.Update(func(tx *Tx) error {
		for i, until := range []time.Time{t0.Add(3 * time.Hour), t0.Add(time.Hour), {}, t0.Add(2 * time.Hour), t0.Add(48 * time.Hour)} {
			it := &OutboxItem{Key: fmt.Sprint("reminder/x/", i), KeyUntil: until, Transport: "telegram", Chat: "7", Payload: []byte("{}")}
			if _, err := tx.Enqueue(it, t0); err != nil {
				return err
			}
		}
		cutoff := t0.Add(24 * time.Hour)
		if n, err := tx.PruneOutboxKeys(cutoff, 2); err != nil || n != 2 {
			t.Errorf("first batch forgot %d (%v), want 2", n, err)
		}
		if tx.OutboxKeyUsed("reminder/x/1") || tx.OutboxKeyUsed("reminder/x/3") || !tx.OutboxKeyUsed("reminder/x/0") {
			t.Error("the earliest keys did not go first")
		}
		if n, err := tx.PruneOutboxKeys(cutoff, 2); err != nil || n != 1 {
			t.Errorf("second batch forgot %d (%v), want 1", n, err)
		}
		for _, k := range []string{"reminder/x/2", "reminder/x/4"} {
			if !tx.OutboxKeyUsed(k) {
				t.Errorf("%s forgotten", k)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
