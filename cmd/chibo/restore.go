package main

import (
	"errors"
	"fmt"
	"io"
	"time"

	"chibo/storage"
)

// restoreError is a refusal of chibo restore, shown by its message id.
type restoreError struct {
	id  string
	kv  []any
	err error
}

func (e *restoreError) Error() string { return e.err.Error() }
func (e *restoreError) Unwrap() error { return e.err }

func (e *restoreError) message(t func(string, ...any) string) string { return t(e.id, e.kv...) }

// runRestore replaces the database with a verified backup: chibo restore
// FILE. chibo must be stopped: it refuses while a process answers on the
// admin socket or holds the file.
func runRestore(cfg Config, args []string, out io.Writer, t func(string, ...any) string) error {
	if len(args) != 1 {
		return errUsage
	}
	src := args[0]
	if sock := socketPath(cfg.DB); serverAnswers(sock) {
		return &restoreError{id: "cli.restore_running", kv: []any{"Path", cfg.DB}, err: errServing}
	}
	kept, version, err := storage.Restore(src, cfg.DB, time.Now())
	switch {
	case errors.Is(err, storage.ErrCorrupt):
		return &restoreError{id: "cli.restore_corrupt", kv: []any{"File", src, "Err", err}, err: err}
	case errors.Is(err, storage.ErrNewerSchema):
		return &restoreError{id: "cli.restore_newer", kv: []any{"File", src, "Err", err}, err: err}
	case errors.Is(err, storage.ErrNotChibo):
		return &restoreError{id: "cli.restore_not_chibo", kv: []any{"File", src}, err: err}
	case err != nil:
		return err
	}
	fmt.Fprintln(out, t("cli.restore_done", "Path", cfg.DB, "File", src, "Version", version))
	if kept != "" {
		fmt.Fprintln(out, t("cli.restore_kept", "Kept", kept))
	}
	if version < storage.SchemaVersion {
		fmt.Fprintln(out, t("cli.restore_migrate", "From", version, "To", storage.SchemaVersion))
	}
	return nil
}
