package bot

import (
	"context"
	"errors"
	"testing"

	"chibo/flows/chat"
	"chibo/storage"
)

// The intake's offset goes in the batch's own transaction: committed with
// the batch's effects, or not at all.
func TestDispatcher_thenCommitsWithTheBatch(t *testing.T) {
	db := mustOpenDB(t)
	d := NewDispatcher(db, &countingHandler{}, DispatcherOptions{})
	ctx := context.Background()
	batch := []chat.Event{ev("k1", "a", "x"), ev("k2", "b", "y")}
	refused := errors.New("disk full")
	err := d.DispatchThen(ctx, batch, func(tx *storage.Tx) error {
		if err := tx.PutMetaInt("offset", 3); err != nil {
			return err
		}
		return refused
	})
	if !errors.Is(err, refused) {
		t.Fatalf("DispatchThen = %v, want the offset's error", err)
	}
	if got := texts(t, db); len(got) != 0 {
		t.Fatalf("replies %v committed although the offset was not", got)
	}
	if err := d.DispatchThen(ctx, batch, func(tx *storage.Tx) error { return tx.PutMetaInt("offset", 3) }); err != nil {
		t.Fatal(err)
	}
	got := texts(t, db)
	if len(got["a"]) != 1 || len(got["b"]) != 1 {
		t.Fatalf("replies %v, want one to a and one to b", got)
	}
	_ = db.View(func(tx *storage.Tx) error {
		if o := tx.MetaInt("offset"); o != 3 {
			t.Errorf("offset %d, want 3", o)
		}
		return nil
	})
}

// A handler's fault sends the batch one event at a time; the offset is
// still stored, once the events are.
func TestDispatcher_thenAfterAHandlerFault(t *testing.T) {
	db := mustOpenDB(t)
	d := NewDispatcher(db, &countingHandler{failOn: "bad"}, DispatcherOptions{})
	batch := []chat.Event{ev("k1", "a", "bad"), ev("k2", "a", "ok")}
	if err := d.DispatchThen(context.Background(), batch, func(tx *storage.Tx) error { return tx.PutMetaInt("offset", 9) }); err != nil {
		t.Fatal(err)
	}
	if got := texts(t, db)["a"]; len(got) != 2 || got[0] != "internal" || got[1] != "ok#1" {
		t.Fatalf("replies %v", got)
	}
	_ = db.View(func(tx *storage.Tx) error {
		if o := tx.MetaInt("offset"); o != 9 {
			t.Errorf("offset %d, want 9", o)
		}
		return nil
	})
	// A batch of updates chibo does not use (no events) still moves on.
	if err := d.DispatchThen(context.Background(), nil, func(tx *storage.Tx) error { return tx.PutMetaInt("offset", 12) }); err != nil {
		t.Fatal(err)
	}
	_ = db.View(func(tx *storage.Tx) error {
		if o := tx.MetaInt("offset"); o != 12 {
			t.Errorf("offset %d, want 12", o)
		}
		return nil
	})
}
