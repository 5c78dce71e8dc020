using System.Runtime.CompilerServices;

namespace Sprout.Kernels;

/// <summary>
/// A left-hand GEMM operand packed once and used by many products: a convolution's weights (or their transpose), which
/// every chunk of the batch multiplies. Packing them in each chunk had cost each thread a pass over all of them per
/// chunk (9 MB at ResNet's 512 channels). op(A) (m × k) is held as the KC slices <see cref="Gemm.Blocked"/> runs, each
/// ⌈m/MR⌉ panels of kc·MR floats, so that any MC block of a slice is a run of whole panels. The floats live in the
/// caller's array (a per-thread scratch it reuses: arrays this large taken from the shared pool pushed the network's
/// own activations out of it). Read-only once built, so threads share it.
/// </summary>
internal sealed unsafe class PackedLeft
{
    private readonly float[] _storage;
    private readonly int _offset, _rowsRounded;

    /// <summary>
    /// Packs op(A) = <paramref name="trans"/> ? Aᵀ : A (A row-major, <paramref name="lda"/> apart, from
    /// <paramref name="aOffset"/>) for <paramref name="kernel"/> into <paramref name="storage"/> from <paramref name="offset"/>
    /// (<see cref="Length"/> floats).
    /// </summary>
    public PackedLeft(IMicroKernel kernel, bool trans, float[] a, int aOffset, int lda, int m, int k, float[] storage, int offset)
    {
        if (storage.Length - offset < Length(kernel, m, k))
            throw new ArgumentException($"PackedLeft needs {Length(kernel, m, k)} floats from offset {offset}; the storage has {storage.Length - offset}.", nameof(storage));
        (_storage, _offset) = (storage, offset);
        int rows = RoundedRows(kernel, m);
        _rowsRounded = rows;
        // Over the threads (ResNet's 512-channel weights are 9 MB, and the chunks that use them wait for all of it).
        PackingPieces.Run(k, m, kernel.MR, (p0, kc, i0, i1) =>
        {
            fixed (float* pa = a, packed = storage)
                GemmPacking.PackA(trans, pa + aOffset, lda, i0, i1 - i0, p0, kc, kernel.MR, packed + offset + (long)p0 * rows + (long)i0 * kc);
        });
    }

    /// <summary>Floats an m × k operand takes packed for <paramref name="kernel"/>.</summary>
    public static int Length(IMicroKernel kernel, int m, int k) => RoundedRows(kernel, m) * k;

    private static int RoundedRows(IMicroKernel kernel, int m) => (m + kernel.MR - 1) / kernel.MR * kernel.MR;

    /// <summary>The array holding the packed floats, for the caller to pin (<c>fixed</c>) around its products.</summary>
    public float[] Storage => _storage;

    /// <summary>The operand for <see cref="Gemm.Blocked"/>, given <see cref="Storage"/> pinned at <paramref name="pinned"/>.</summary>
    public Operand Pin(float* pinned) => new(pinned + _offset, _rowsRounded);

    /// <summary>The pinned view <see cref="Gemm.Blocked"/> reads: block (ic, p0) starts at slice p0, panel ic/MR.</summary>
    internal readonly struct Operand(float* packed, int rowsRounded) : ILeftOperand
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float* Block(int ic, int mc, int p0, int kc, int mr, float* scratch) => packed + (long)p0 * rowsRounded + (long)ic * kc;
    }
}
