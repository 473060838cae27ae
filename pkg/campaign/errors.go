package campaign

import "errors"

// InputError is a problem with what the user gave (the list, the template, the selection, the
// settings): nothing was sent and no campaign was created. Hint says what to do next.
type InputError struct {
	Err  error
	Hint string
	// Format and Args are the sentence as it was written (bad's format and its values), for a
	// front end that words it in its own language; empty when Err came from elsewhere.
	Format string
	Args   []any
}

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// inputErr wraps err as an InputError, keeping an InputError it already is.
func inputErr(err error, hint string) error {
	if err == nil {
		return nil
	}
	var ie *InputError
	if errors.As(err, &ie) {
		return err
	}
	return &InputError{Err: err, Hint: hint}
}
