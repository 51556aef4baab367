# The full boot matrix (make check runs a cross-section of it).
.PHONY: matrix
matrix: host target
	KRELOC_MATRIX=full tests/run e2e/matrix.sh
