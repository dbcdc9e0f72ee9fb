package wiring

// Reading the settings from the environment. A settings struct names each variable in its
// fields' tags: envconfig (the name), default and desc (for Usage); an embedded struct without
// a tag holds more of them. This small reader replaces the envconfig library, whose usage
// printer pulls text/template into every binary that reads settings.

import (
	"fmt"
	"os"
	"reflect"
	"strconv"
)

// decoder is a setting type that parses its own value.
type decoder interface {
	Decode(value string) error
}

// setting is one variable of a settings struct: its name, its default, its description, and
// where its field is (reflect's index path).
type setting struct {
	key, def, desc string
	index          []int
}

// settings returns the variables of the struct type t, its embedded structs' in their place.
func settings(t reflect.Type) []setting {
	var out []setting
	for i := range t.NumField() {
		f := t.Field(i)
		key := f.Tag.Get("envconfig")
		if f.Anonymous && key == "" && f.Type.Kind() == reflect.Struct {
			for _, s := range settings(f.Type) {
				s.index = append([]int{i}, s.index...)
				out = append(out, s)
			}
			continue
		}
		if key == "" || !f.IsExported() {
			continue
		}
		out = append(out, setting{key: key, def: f.Tag.Get("default"), desc: f.Tag.Get("desc"), index: []int{i}})
	}
	return out
}

// load sets the fields of *spec from the environment: a variable that is set, even empty, is
// decoded; one that is unset takes its default, if it has one, else leaves its field as it
// is. Nothing is required here: the settings' Validate methods check that. Errors name the
// variable and never hold its value.
func load(spec any) error {
	v := reflect.ValueOf(spec).Elem()
	for _, s := range settings(v.Type()) {
		value, ok := os.LookupEnv(s.key)
		if !ok {
			if s.def == "" {
				continue
			}
			value = s.def
		}
		f := v.FieldByIndex(s.index)
		if d, ok := f.Addr().Interface().(decoder); ok {
			if err := d.Decode(value); err != nil {
				return fmt.Errorf("%s: %w", s.key, err)
			}
			continue
		}
		switch f.Kind() {
		case reflect.String:
			f.SetString(value)
		case reflect.Bool:
			b, err := strconv.ParseBool(value)
			if err != nil {
				return fmt.Errorf("%s: must be true or false", s.key)
			}
			f.SetBool(b)
		default:
			return fmt.Errorf("%s: a setting of type %s has no decoder", s.key, f.Type())
		}
	}
	return nil
}
