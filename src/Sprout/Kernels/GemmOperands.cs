using System.Runtime.CompilerServices;

namespace Sprout.Kernels;

/// <summary>
/// Where the blocked GEMM (<see cref="Gemm.Blocked"/>) gets op(A)'s MC×KC blocks in micro-panel layout: packed from a
/// matrix now (<see cref="PlainLeft"/>), or already packed once for many products (<see cref="PackedLeft"/>: a layer's
/// weights, shared by every chunk of a batch).
/// </summary>
internal unsafe interface ILeftOperand
{
    /// <summary>op(A)[ic .. ic+mc, p0 .. p0+kc] as ⌈mc/MR⌉ panels of kc·MR floats: in <paramref name="scratch"/>, or wherever it already is.</summary>
    float* Block(int ic, int mc, int p0, int kc, int mr, float* scratch);
}

/// <summary>
/// Where the blocked GEMM gets op(B)'s KC×NC panels in micro-panel layout, and each micro-panel it multiplies (packed,
/// or read in place): <see cref="PlainRight"/> for a matrix.
/// </summary>
internal unsafe interface IRightOperand
{
    /// <summary>Packs op(B)[p0 .. p0+kc, j0 .. j0+nc] into <paramref name="packed"/> as ⌈nc/NR⌉ panels of kc·NR floats (those it reads in place may be skipped).</summary>
    void Pack(int p0, int kc, int j0, int nc, int nr, float* packed);

    /// <summary>The micro-panel of columns jr .. jr+NR of the slice packed last (from column <paramref name="j0"/>), and its row stride.</summary>
    float* Panel(int p0, int kc, int j0, int jr, int cols, int nr, float* packed, out int stride);
}

/// <summary>A row-major matrix read as op(A) = A or Aᵀ, <paramref name="lda"/> apart, packed block by block.</summary>
internal readonly unsafe struct PlainLeft(bool trans, float* a, int lda) : ILeftOperand
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float* Block(int ic, int mc, int p0, int kc, int mr, float* scratch)
    {
        GemmPacking.PackA(trans, a, lda, ic, mc, p0, kc, mr, scratch);
        return scratch;
    }
}

/// <summary>
/// A row-major matrix read as op(B) = B or Bᵀ. When op(B) is B itself and A is short (<paramref name="inPlace"/>), each B
/// element is used by few rows: packing B would cost more than it saves, so full-width micro-panels are read in place
/// (rows ldb apart) and only a ragged edge is packed.
/// </summary>
internal readonly unsafe struct PlainRight(bool trans, float* b, int ldb, bool inPlace) : IRightOperand
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Pack(int p0, int kc, int j0, int nc, int nr, float* packed)
    {
        int unpacked = inPlace ? nc / nr * nr : 0;
        GemmPacking.PackB(trans, b, ldb, p0, kc, j0 + unpacked, nc - unpacked, nr, packed + (long)unpacked * kc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float* Panel(int p0, int kc, int j0, int jr, int cols, int nr, float* packed, out int stride)
    {
        if (inPlace && cols == nr)
        {
            stride = ldb;
            return b + (long)p0 * ldb + j0 + jr;
        }
        stride = nr;
        return packed + (long)jr * kc;
    }
}
