namespace Sprout.Kernels;

/// <summary>
/// The innermost GEMM step: an MR×NR tile of C from a packed micro-panel of A (KC steps of MR values) and a micro-panel
/// of B (KC rows of NR values, <c>ldb</c> apart: NR when packed, the row stride when B is read in place).
/// C_tile = (first ? beta·C_tile : C_tile) + alpha·Σ_p a[p]⊗b[p], for the first <c>rows</c> rows of the tile (fewer than MR
/// at the bottom edge). Tiles narrower than NR go through a scratch tile.
/// </summary>
internal unsafe interface IMicroKernel
{
    int MR { get; }
    int NR { get; }

    /// <summary>
    /// Whether products with a transposed B of fewer than <see cref="RowDots.MaxColumns"/> columns (a classifier's last
    /// layer) should run as <see cref="RowDots"/> instead of mostly-empty NR-wide tiles: true where RowDots' 512-bit
    /// vectors are native.
    /// </summary>
    bool HasRowDots { get; }
    void Run(int kc, float* a, float* b, int ldb, float* c, int ldc, float alpha, float beta, bool first, int rows);

    /// <summary>
    /// C_tile = Σ_p a[p]⊗b[p] (overwriting C) with A read in place: row i of the tile at <c>a + i·aRow</c>, step p at
    /// <c>+ p·aStep</c> (a row-major A: aRow = lda, aStep = 1; a transposed one: aRow = 1, aStep = lda). Rows past
    /// <c>rows</c> are neither read nor written. Small products (<see cref="SmallGemm"/>) skip packing A this way.
    /// </summary>
    void RunStrided(int kc, float* a, int aRow, int aStep, float* b, int ldb, float* c, int ldc, int rows);
}
