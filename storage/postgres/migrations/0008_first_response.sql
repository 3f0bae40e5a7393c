-- R16's first responses, read per period by /pipeline and /conversion: a partial
-- index on the few audit entries that record one.
CREATE INDEX audit_first_response ON audit (at) WHERE data->>'action' = 'first_response';
