package main

import (
	"chibo/flows/commune"
	"chibo/flows/core"
	"chibo/flows/meetings"
	"chibo/flows/residence"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"chibo/locales"
	"chibo/storage"
)

// settingsFile is a rule set an operator edits as JSON: how to read the
// current one, check a new one and store it.
type settingsFile struct {
	byOrg bool // kept per organization (else per cell)
	get   func(tx *storage.Tx, cat *locales.Catalog, id uint64) (any, error)
	parse func(data []byte) (any, error)
	put   func(tx *storage.Tx, id uint64, v any) error
}

var settingsFiles = map[string]settingsFile{
	"quality-template": {
		byOrg: true,
		get: func(tx *storage.Tx, cat *locales.Catalog, id uint64) (any, error) {
			t, err := meetings.QualityTemplateOf(tx, cat, id)
			if err != nil {
				return nil, err
			}
			return map[string]any{"sections": t.Sections}, nil
		},
		parse: func(data []byte) (any, error) { return meetings.ParseQualityTemplate(data) },
		put: func(tx *storage.Tx, id uint64, v any) error {
			t := v.(*storage.QualityTemplate)
			t.OrgID = id
			return tx.PutQualityTemplate(t)
		},
	},
	"residence-form": {
		byOrg: true,
		get: func(tx *storage.Tx, cat *locales.Catalog, id uint64) (any, error) {
			return residence.ResidenceFormOf(tx, cat, id)
		},
		parse: func(data []byte) (any, error) { return residence.ParseResidenceForm(data) },
		put: func(tx *storage.Tx, id uint64, v any) error {
			return tx.PutResidenceTemplate(id, v.(*storage.ResidenceTemplate))
		},
	},
	"rating-rules": {
		byOrg: true,
		get: func(tx *storage.Tx, cat *locales.Catalog, id uint64) (any, error) {
			return commune.RatingRulesOf(tx, cat, id)
		},
		parse: func(data []byte) (any, error) { return commune.ParseRatingRules(data) },
		put: func(tx *storage.Tx, id uint64, v any) error {
			return tx.PutRatingRules(id, v.(*storage.RatingRules))
		},
	},
	"residence-settings": {
		get: func(tx *storage.Tx, _ *locales.Catalog, id uint64) (any, error) {
			s, err := tx.ResidenceSettings(id)
			return s.WithDefaults(), err
		},
		parse: func(data []byte) (any, error) { return residence.ParseResidenceSettings(data) },
		put: func(tx *storage.Tx, id uint64, v any) error {
			return tx.PutResidenceSettings(id, v.(storage.ResidenceSettings))
		},
	},
}

// runSettingsFile is "chibo admin <name> --org ID|--cell ID [--set FILE]":
// without --set it prints the rules as JSON (the defaults when none were
// stored, ready to edit); with it, it checks FILE strictly and stores it in
// one transaction with its audit entry, or stores nothing and says why.
func runSettingsFile(name string, db *storage.DB, org, cell uint64, set string, path func(string) string, out io.Writer, t func(string, ...any) string) error {
	sf := settingsFiles[name]
	id := cell
	if sf.byOrg {
		id = org
	}
	if id == 0 {
		return errors.New(t("cli_settings.usage", "Name", name))
	}
	owner := func(tx *storage.Tx) (cellID uint64, err error) {
		if sf.byOrg {
			_, err = tx.Org(id)
			return 0, err
		}
		_, err = tx.Cell(id)
		return id, err
	}
	missing := func() error {
		if sf.byOrg {
			return errors.New(t("cli_settings.no_org", "ID", id))
		}
		return errors.New(t("cli_settings.no_cell", "ID", id))
	}
	if set == "" {
		cat, err := locales.Load()
		if err != nil {
			return err
		}
		var v any
		err = db.View(func(tx *storage.Tx) error {
			if _, err := owner(tx); err != nil {
				return err
			}
			v, err = sf.get(tx, cat, id)
			return err
		})
		if errors.Is(err, storage.ErrNotFound) {
			return missing()
		}
		if err != nil {
			return err
		}
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	file := path(set)
	data, err := readFormFile(file)
	if err != nil {
		return errors.New(t("cli_settings.read", "Path", file, "Err", err))
	}
	v, err := sf.parse(data)
	var fe *core.FormError
	if errors.As(err, &fe) {
		return errors.New(t("cli_settings.invalid", "Path", file, "Problem", t(fe.MsgID, fe.KV...)))
	}
	if err != nil {
		return err
	}
	err = db.Update(func(tx *storage.Tx) error {
		cellID, err := owner(tx)
		if err != nil {
			return err
		}
		if err := sf.put(tx, id, v); err != nil {
			return err
		}
		after, err := json.Marshal(map[string]any{"file": name, "rules": v})
		if err != nil {
			return err
		}
		// ActorID 0: the operator's command line.
		return tx.AppendAudit(&storage.AuditEntry{At: time.Now(), CellID: cellID, Action: "rules_file", After: after})
	})
	if errors.Is(err, storage.ErrNotFound) {
		return missing()
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(out, t("cli_settings.saved", "Name", name, "ID", id))
	return nil
}
