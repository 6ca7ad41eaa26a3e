package main

import (
	"chibo/flows/core"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"chibo/flows"
	"chibo/flows/chat"
	"chibo/flows/commune"
	"chibo/locales"
	"chibo/storage"
)

// runExport is "chibo export --cell ID|--org ID [--what W] [--year Y] [--month
// yyyy-mm] [--meeting ID] [--format xlsx|csv|pdf] [--out PATH]": it writes
// the same files /export sends in chat, for the commune office. PATH is a
// directory (the default: the current one) or, for one file, a file name.
// Through the admin socket the serving process writes them, relative to the
// caller's directory.
func runExport(cfg Config, db *storage.DB, args []string, out io.Writer, t func(string, ...any) string) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cell := fs.Uint64("cell", 0, "")
	org := fs.Uint64("org", 0, "") // an organization's export: tasks, groups
	what := fs.String("what", core.ExportAttendance, "")
	year := fs.Int("year", 0, "")
	month := fs.String("month", "", "")
	meeting := fs.Uint64("meeting", 0, "")
	format := fs.String("format", core.FormatXLSX, "")
	dest := fs.String("out", ".", "")
	if err := fs.Parse(args); err != nil || (*cell == 0) == (*org == 0) || fs.NArg() > 0 {
		return errors.New(t("cli_export.usage"))
	}
	if *org != 0 && (*what == commune.ExportOverview || *what == commune.ExportBriefing || *what == commune.ExportYear) {
		return runCommuneExport(cfg, db, *org, *what, *month, *year, *dest, out, t)
	}
	cat, err := locales.Load()
	if err != nil {
		return err
	}
	lang := cfg.Lang // the caller's, also through the admin socket
	e, err := core.NewEngine(cat, core.Config{Zone: cfg.zone, DefaultLang: lang, Now: cfg.now}, flows.Journeys()...)
	if err != nil {
		return err
	}
	var docs []chat.Document
	err = db.View(func(tx *storage.Tx) error {
		req := core.ExportRequest{What: *what, Format: *format, CellID: *cell, Year: *year, Month: *month, Meeting: *meeting}
		if *org != 0 {
			docs, err = e.ExportOrg(tx, lang, *org, req)
			return err
		}
		docs, err = e.Export(tx, lang, req)
		return err
	})
	var ee *core.ErrExport
	if errors.As(err, &ee) {
		return errors.New(t(ee.MsgID, ee.KV...))
	}
	if err != nil {
		return err
	}
	// Who exported what is audited as an export in chat is (issue 12); the
	// operator's command line is the one acting (actor 0).
	after, err := json.Marshal(map[string]any{"what": *what, "format": *format, "year": *year, "month": *month, "meeting": *meeting, "org": *org, "files": len(docs)})
	if err != nil {
		return err
	}
	if err := db.Update(func(tx *storage.Tx) error {
		return tx.AppendAudit(&storage.AuditEntry{At: cfg.now(), CellID: *cell, Action: "export_made", After: after})
	}); err != nil {
		return err
	}
	path := cfg.path(*dest)
	st, statErr := os.Stat(path)
	isDir := (statErr == nil && st.IsDir()) || strings.HasSuffix(*dest, string(os.PathSeparator)) || len(docs) > 1
	if isDir {
		if err := os.MkdirAll(path, 0o750); err != nil {
			return err
		}
	}
	for _, d := range docs {
		p := path
		if isDir {
			p = filepath.Join(path, d.Name)
		}
		// Members' names and attendance are personal data: owner only.
		if err := os.WriteFile(p, d.Data, 0o600); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		fmt.Fprintln(out, t("cli_export.written", "Path", p, "Size", len(d.Data)))
	}
	return nil
}
