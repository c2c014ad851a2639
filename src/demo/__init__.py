"""A local PrivateLink world on moto, for the demo and the tests."""
