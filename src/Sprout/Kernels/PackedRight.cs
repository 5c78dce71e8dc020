using System.Runtime.CompilerServices;

namespace Sprout.Kernels;

/// <summary>
/// A right-hand GEMM operand packed once and shared by the threads that each compute some rows of one product: the
/// im2col matrix of a whole batch, or its output gradient, in a deep layer whose batch is too small to split into a
/// chunk per thread. op(B) (k × n) is held as the KC slices <see cref="Gemm.Blocked"/> runs, each ⌈n/NR⌉ panels of
/// kc·NR floats (zero-padded past n). Packed over the threads (<see cref="PackingPieces"/>); read-only once built.
/// </summary>
internal sealed unsafe class PackedRight
{
    private readonly float[] _storage;
    private readonly int _offset, _columnsRounded;

    /// <summary>
    /// Packs op(B) = <paramref name="trans"/> ? Bᵀ : B (B row-major, <paramref name="ldb"/> apart, from
    /// <paramref name="bOffset"/>) for <paramref name="kernel"/> into <paramref name="storage"/> from <paramref name="offset"/>
    /// (<see cref="Length"/> floats).
    /// </summary>
    public PackedRight(IMicroKernel kernel, bool trans, float[] b, int bOffset, int ldb, int k, int n, float[] storage, int offset)
    {
        if (storage.Length - offset < Length(kernel, k, n))
            throw new ArgumentException($"PackedRight needs {Length(kernel, k, n)} floats from offset {offset}; the storage has {storage.Length - offset}.", nameof(storage));
        (_storage, _offset) = (storage, offset);
        int columns = RoundedColumns(kernel, n);
        _columnsRounded = columns;
        PackingPieces.Run(k, n, kernel.NR, (p0, kc, j0, j1) =>
        {
            fixed (float* pb = b, packed = storage)
                GemmPacking.PackB(trans, pb + bOffset, ldb, p0, kc, j0, j1 - j0, kernel.NR, packed + offset + (long)p0 * columns + (long)j0 * kc);
        });
    }

    /// <summary>Floats a k × n operand takes packed for <paramref name="kernel"/>.</summary>
    public static int Length(IMicroKernel kernel, int k, int n) => RoundedColumns(kernel, n) * k;

    private static int RoundedColumns(IMicroKernel kernel, int n) => (n + kernel.NR - 1) / kernel.NR * kernel.NR;

    /// <summary>The array holding the packed floats, for the caller to pin (<c>fixed</c>) around its products.</summary>
    public float[] Storage => _storage;

    /// <summary>The operand for <see cref="Gemm.Blocked"/>, given <see cref="Storage"/> pinned at <paramref name="pinned"/>.</summary>
    public Operand Pin(float* pinned) => new(pinned + _offset, _columnsRounded);

    /// <summary>The pinned view <see cref="Gemm.Blocked"/> reads: nothing to pack; panel jr of slice p0 is where it lies.</summary>
    internal readonly struct Operand(float* packed, int columnsRounded) : IRightOperand
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Pack(int p0, int kc, int j0, int nc, int nr, float* scratch) { }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float* Panel(int p0, int kc, int j0, int jr, int cols, int nr, float* scratch, out int stride)
        {
            stride = nr;
            return packed + (long)p0 * columnsRounded + (long)(j0 + jr) * kc;
        }
    }
}
