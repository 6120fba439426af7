package dbtest

import (
	"context"
	"fmt"

	"github.com/backstophq/backstop/internal/store"
)

// createTemplate creates and migrates the template, then closes every
// connection to it and forbids new ones: CREATE DATABASE … TEMPLATE fails
// while anyone is connected to the template.
func (s *server) createTemplate(ctx context.Context) error {
	db := s.admin.DB()
	if _, err := db.ExecContext(ctx, `CREATE DATABASE `+s.template); err != nil {
		return fmt.Errorf("create template: %w", err)
	}
	tmpl, err := store.Open(ctx, s.url(s.template))
	if err != nil {
		return err
	}
	err = store.Migrate(ctx, tmpl.DB().DB, nil)
	tmpl.Close()
	if err != nil {
		return fmt.Errorf("migrate template: %w", err)
	}
	_, err = db.ExecContext(ctx, `ALTER DATABASE `+s.template+` WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`)
	if err != nil {
		return fmt.Errorf("seal template: %w", err)
	}
	return nil
}

func (s *server) dropTemplate(ctx context.Context) {
	db := s.admin.DB()
	db.ExecContext(ctx, `ALTER DATABASE `+s.template+` WITH IS_TEMPLATE false`)
	db.ExecContext(ctx, `DROP DATABASE IF EXISTS `+s.template+` WITH (FORCE)`)
}

// createDatabase clones the template into a new database and returns its
// name. Names are generated here, so they need no quoting.
func (s *server) createDatabase(ctx context.Context) (string, error) {
	name := fmt.Sprintf("test_%s%d", s.prefix, s.n.Add(1))
	q := `CREATE DATABASE ` + name + ` TEMPLATE ` + s.template
	if _, err := s.admin.DB().ExecContext(ctx, q); err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	return name, nil
}

func (s *server) dropDatabase(ctx context.Context, name string) error {
	if _, err := s.admin.DB().ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}
