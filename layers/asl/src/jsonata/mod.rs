//! JSONata (`QueryLanguage: JSONata`): `{% expression %}` strings, compiled once and evaluated with the
//! `$states` binding and the execution's variables.
