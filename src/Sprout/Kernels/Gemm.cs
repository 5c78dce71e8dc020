using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Sprout.Kernels;

/// <summary>
/// Single-precision GEMM on row-major operands: C = alpha·op(A)·op(B) + beta·C, op = identity or transpose, op(A) m×k,
/// op(B) k×n, with leading dimensions. BLIS structure: the five loops below, packing (<see cref="GemmPacking"/>),
/// and a register-blocked micro-kernel chosen once by CPU features. Large products are split over the cores into
/// independent blocks of C, each packing its own operands: no barriers, and each core's packed blocks stay in its cache.
/// </summary>
internal static unsafe class Gemm
{
    /// <summary>The micro-kernel for this CPU: AVX-512, else 256-bit vectors, else the scalar reference.</summary>
    public static IMicroKernel Kernel { get; } =
        Vector512.IsHardwareAccelerated ? new MicroKernel512() :
        Vector256.IsHardwareAccelerated ? new MicroKernel256() : new MicroKernelScalar();

    [ThreadStatic] private static PackBuffers? t_buffers;

    public static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb, float beta, float[] c, int cOffset, int ldc)
        => Multiply(Kernel, transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);

    public static void Multiply(IMicroKernel kernel, bool transA, bool transB, int m, int n, int k, float alpha,
        float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb, float beta, float[] c, int cOffset, int ldc)
    {
        if (m == 0 || n == 0) return;
        if (transB && !transA && n < RowDots.MaxColumns && k >= Vector512<float>.Count  && kernel.HasRowDots)
        {
            RowDots.Multiply(m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
            return;
        }
        // Inside a job (a chunk of a convolution) the split would run inline: one block, not several packing A again.
        int threads = (long)m * n * k < GemmBlocking.ParallelThreshold || WorkerPool.InsideJob ? 1 : Threads.Count;
        // Split C into one independent block per thread, each with its own packing: along the rows when that packs
        // the smaller operand twice (B is k×n, A is m×k), else along the columns. On a tie A is packed twice: in a
        // layer's x·Wᵀ that is the fresh activations, still in cache, while the weights were last read a step ago
        // (the MLP's 256×784→256 forward, 2 threads, in an epoch: 640 → 595 µs). Blocks start on micro-tile
        // boundaries, so every element is computed exactly as by one thread.
        bool byRows = m > n;
        int unit = byRows ? kernel.MR : kernel.NR, units = ((byRows ? m : n) + unit - 1) / unit;
        int parts = Math.Min(threads, units);
        if (parts <= 1)
        {
            Serial(kernel, transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
            return;
        }
        WorkerPool.For(parts, part =>
        {
            int start = (int)((long)part * units / parts) * unit, end = Math.Min((int)((long)(part + 1) * units / parts) * unit, byRows ? m : n);
            if (byRows)
                Serial(kernel, transA, transB, end - start, n, k, alpha, a, aOffset + start * (transA ? 1 : lda), lda,
                    b, bOffset, ldb, beta, c, cOffset + start * ldc, ldc);
            else
                Serial(kernel, transA, transB, m, end - start, k, alpha, a, aOffset, lda,
                    b, bOffset + start * (transB ? ldb : 1), ldb, beta, c, cOffset + start, ldc);
        });
    }

    private static void Serial(IMicroKernel kernel, bool transA, bool transB, int m, int n, int k, float alpha,
        float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb, float beta, float[] c, int cOffset, int ldc)
    {
        fixed (float* pa = a, pb = b, pc = c)
            Blocked(kernel, m, n, k, alpha, new PlainLeft(transA, pa + aOffset, lda),
                new PlainRight(transB, pb + bOffset, ldb, inPlace: !transB && m <= GemmBlocking.InPlaceBMaxRows), beta, pc + cOffset, ldc);
    }

    /// <summary>
    /// C = alpha·op(A)·op(B) + beta·C on one thread (C m×n, <paramref name="ldc"/> apart), the operands' blocks coming
    /// from <paramref name="left"/> and <paramref name="right"/> (struct type arguments: each pair compiles to its own
    /// loop, with no calls through an interface).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Blocked<TLeft, TRight>(IMicroKernel kernel, int m, int n, int k, float alpha, TLeft left, TRight right, float beta, float* C, int ldc)
        where TLeft : struct, ILeftOperand where TRight : struct, IRightOperand
    {
        if (m == 0 || n == 0) return;
        if (k == 0) { ScaleC(C, ldc, m, n, beta); return; }
        var buffers = t_buffers ??= new PackBuffers();
        int mr = kernel.MR, nr = kernel.NR;
        // Balanced blocks: k = 784 runs as 2 slices of 392, not one of 512 and a thinner one of 272.
        int kcBlock = KcBlock(k), mcBlock = Balanced(m, GemmBlocking.MC, mr);
        int aLength = RoundUp(mcBlock, mr) * kcBlock, bLength = RoundUp(Math.Min(n, GemmBlocking.NC), nr) * kcBlock;
        float* packedA = buffers.A(aLength);
        float* packedB = buffers.B(bLength);
        float* tile = buffers.Tile(mr * nr);

        // Loop 5: split n into NC-wide column panels.
        for (int jc = 0; jc < n; jc += GemmBlocking.NC)
        {
            int nc = Math.Min(GemmBlocking.NC, n - jc);
            // Loop 4: split k into KC-deep slices; B~ = op(B)[p0.., jc..] is KC×NC, packed once per slice.
            for (int p0 = 0; p0 < k; p0 += kcBlock)
            {
                int kc = Math.Min(kcBlock, k - p0);
                bool first = p0 == 0;
                right.Pack(p0, kc, jc, nc, nr, packedB);
                // Loop 3: split m into MC-tall row blocks; A~ = op(A)[ic.., p0..] is MC×KC, kept in L2.
                for (int ic = 0; ic < m; ic += mcBlock)
                {
                    int mc = Math.Min(mcBlock, m - ic);
                    float* aBlock = left.Block(ic, mc, p0, kc, mr, packedA);
                    // Loops 2 and 1: NR-wide micro-panels of B~ (reused from L1) against MR-tall micro-panels of A~.
                    for (int jr = 0; jr < nc; jr += nr)
                    {
                        int cols = Math.Min(nr, nc - jr);
                        float* bPanel = right.Panel(p0, kc, jc, jr, cols, nr, packedB, out int bStride);
                        for (int ir = 0; ir < mc; ir += mr)
                        {
                            int rows = Math.Min(mr, mc - ir);
                            float* aPanel = aBlock + (long)ir * kc;
                            float* cTile = C + (long)(ic + ir) * ldc + jc + jr;
                            if (cols == nr) kernel.Run(kc, aPanel, bPanel, bStride, cTile, ldc, alpha, beta, first, rows);
                            else EdgeTile(kernel, kc, aPanel, bPanel, bStride, cTile, ldc, rows, cols, alpha, beta, first, tile);
                        }
                    }
                }
            }
        }
    }

    /// <summary>The depth of the KC slices a product of depth <paramref name="k"/> runs in (balanced: equal slices).</summary>
    internal static int KcBlock(int k) => Balanced(k, GemmBlocking.KC, 8);

    /// <summary>A partial tile: the kernel writes a full MR×NR scratch tile, and only the valid part is merged into C.</summary>
    internal static void EdgeTile(IMicroKernel kernel, int kc, float* a, float* b, int ldb, float* c, int ldc, int rows, int cols,
        float alpha, float beta, bool first, float* tile)
    {
        int nr = kernel.NR;
        kernel.Run(kc, a, b, ldb, tile, nr, 1f, 0f, first: true, kernel.MR);
        for (int i = 0; i < rows; i++)
        {
            var t = new ReadOnlySpan<float>(tile + i * nr, cols);
            var row = new Span<float>(c + (long)i * ldc, cols);
            if (first && beta == 0f) System.Numerics.Tensors.TensorPrimitives.Multiply(t, alpha, row);
            else
            {
                if (first && beta != 1f) System.Numerics.Tensors.TensorPrimitives.Multiply(row, beta, row);
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(t, alpha, row, row);
            }
        }
    }

    private static void ScaleC(float* c, int ldc, int m, int n, float beta)
    {
        for (int i = 0; i < m; i++)
        {
            var row = new Span<float>(c + (long)i * ldc, n);
            if (beta == 0f) row.Clear();
            else System.Numerics.Tensors.TensorPrimitives.Multiply(row, beta, row);
        }
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    /// <summary>The block size near <paramref name="target"/> that splits <paramref name="extent"/> into equal blocks (a multiple of <paramref name="align"/>).</summary>
    private static int Balanced(int extent, int target, int align)
    {
        int blocks = (extent + target - 1) / target;
        return Math.Min(RoundUp((extent + blocks - 1) / blocks, align), RoundUp(target, align));
    }

    /// <summary>64-byte-aligned pack buffers, one set per thread, grown on demand and reused.</summary>
    private sealed class PackBuffers
    {
        private float* _a, _b, _tile;
        private nuint _aLength, _bLength, _tileLength;

        public float* A(int floats) => Ensure(ref _a, ref _aLength, floats);
        public float* B(int floats) => Ensure(ref _b, ref _bLength, floats);
        public float* Tile(int floats) => Ensure(ref _tile, ref _tileLength, floats);

        private static float* Ensure(ref float* buffer, ref nuint length, int floats)
        {
            if ((nuint)floats <= length) return buffer;
            if (buffer is not null) NativeMemory.AlignedFree(buffer);
            buffer = (float*)NativeMemory.AlignedAlloc((nuint)floats * sizeof(float), 64);
            length = (nuint)floats;
            return buffer;
        }

        ~PackBuffers()
        {
            if (_a is not null) NativeMemory.AlignedFree(_a);
            if (_b is not null) NativeMemory.AlignedFree(_b);
            if (_tile is not null) NativeMemory.AlignedFree(_tile);
        }
    }
}
