package wiring

// Reading the settings from the environment. A settings struct names each variable in its
// fields' tags: envconfig (the name), default and desc (for Usage); an embedded struct without
// a tag holds more of them. envconfig reads them; Usage lists them from the tags itself, since
// envconfig's usage printer executes a text/template, whose method calls keep every exported
// method in the binary.

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/kelseyhightower/envconfig"
)

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

// load sets the fields of *spec from the environment with envconfig: a variable that is set,
// even empty, is decoded; one that is unset takes its default, if it has one. Nothing is
// required here: the settings' Validate methods check that. Errors name the variable and never
// hold its value (envconfig's own ParseError quotes it, so it is reworded).
func load(spec any) error {
	err := envconfig.Process("", spec)
	var pe *envconfig.ParseError
	if errors.As(err, &pe) {
		switch pe.TypeName {
		case "bool":
			return fmt.Errorf("%s: must be true or false", pe.KeyName)
		case "int":
			return fmt.Errorf("%s: must be a whole number", pe.KeyName)
		}
		return fmt.Errorf("%s: %w", pe.KeyName, pe.Err)
	}
	return err
}
