using System.Runtime.Intrinsics.X86;

namespace Sprout.Kernels;

/// <summary>
/// C = op(A)·op(B) for the small products of a batch (attention's heads: 64×64·64×64), where packing costs as much as
/// the arithmetic. A is never packed: the micro-kernel reads its rows in place (<see cref="IMicroKernel.RunStrided"/>).
/// B is read in place when each of its column panels serves one pass down A (it stays in L1 across the row tiles); a
/// transposed B, a B that every row tile reuses whole, and a ragged last column panel are packed once per product.
/// One thread per call; <c>Tensor.MatMul</c> splits a batch over the threads. The whole depth is one slice, so the
/// caller keeps k ≤ <see cref="GemmBlocking.KC"/>.
/// </summary>
internal static unsafe class SmallGemm
{
    [ThreadStatic] private static AlignedBuffer? t_packedB, t_tile;

    /// <summary>Whether <see cref="Multiply"/> suits a product of this size (else use <see cref="Gemm.Multiply(bool, bool, int, int, int, float, float[], int, int, float[], int, int, float, float[], int, int)"/>).</summary>
    public static bool Suits(int m, int n, int k) => k <= GemmBlocking.KC && (long)m * n * k < GemmBlocking.ParallelThreshold;

    /// <summary>
    /// The products <paramref name="start"/> … <paramref name="end"/> − 1 of a batch, operand i at
    /// <paramref name="aOffsets"/>[i] and <paramref name="bOffsets"/>[i], output i at i·m·n in <paramref name="c"/>. While
    /// one product is computed, the next one's operands and output are fetched into L2 a slice per micro-tile: a batch
    /// streams from L3 or memory, and each small product is too short for the hardware prefetcher to get ahead. On
    /// Zen 4 (one thread, the batched bench's A/B of five alternations): fetching into L2 rather than L1 took the
    /// 64×64 products from 46–58 to 55–67 % of peak (L1 fetches evicted the product in use, so 64×64 had been left to
    /// the hardware); the output's lines too took 128×64·64×128 from 55 to 65 % (without them, writing its 64 KB cost
    /// as much as the arithmetic). Fetching two products ahead, or each next row tile into L1, measured no better; not
    /// fetching a transposed B, which packing reads at once, 12 points worse.
    /// </summary>
    public static void MultiplyBatch(IMicroKernel kernel, bool transA, bool transB, int m, int n, int k, float[] a, int[] aOffsets, int lda,
        float[] b, int[] bOffsets, int ldb, float[] c, int cOffset, int start, int end)
    {
        fixed (float* pa = a, pb = b, pc = c)
            for (int i = start; i < end; i++)
            {
                var next = i + 1 < end
                    ? new Upcoming(new(pb + bOffsets[i + 1], transB ? n : k, transB ? k : n, ldb), new(pa + aOffsets[i + 1], transA ? k : m, transA ? m : k, lda),
                        new(pc + cOffset + (long)(i + 1) * m * n, m, n, n))
                    : default;
                MultiplyFetching(kernel, transA, transB, m, n, k, a, aOffsets[i], lda, b, bOffsets[i], ldb, c, cOffset + i * m * n, n, next);
            }
    }

    public static void Multiply(IMicroKernel kernel, bool transA, bool transB, int m, int n, int k,
        float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb, float[] c, int cOffset, int ldc) =>
        MultiplyFetching(kernel, transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc, default);

    /// <summary>One product, fetching <paramref name="next"/>'s operands and output into L2 as it goes.</summary>
    private static void MultiplyFetching(IMicroKernel kernel, bool transA, bool transB, int m, int n, int k,
        float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb, float[] c, int cOffset, int ldc, Upcoming next)
    {
        int mr = kernel.MR, nr = kernel.NR;
        float* pt = (t_tile ??= new AlignedBuffer()).Get(mr * nr);
        fixed (float* pa = a, pb = b, pc = c)
        {
            float* A = pa + aOffset, B = pb + bOffset, C = pc + cOffset;
            // A is read in place: a transposed A gives each step's MR values side by side; a row-major A gives MR
            // streams, one per row (packing it first measured no faster: the copy costs what it saves).
            int aRow = transA ? 1 : lda, aStep = transA ? lda : 1;
            // The smaller operand stays in L1 while the larger one streams past it once: column panels outside (a
            // KC×NR panel of B reused by every row tile) unless A is the larger, then row tiles outside (all of B
            // reused by each MR rows of A; 128×128·128×64 went from 66 to 73 % of peak).
            bool rowsOutside = (long)m * k > (long)k * n;
            // B is read in place (at any alignment) when each of its panels serves one pass down A: packing a 64×64 B
            // cost 11–17 % of the product's time, and .NET arrays are seldom 64-byte aligned, which the rule was before
            // (64×64·64×64 in a batch: 48–50 → 59 % of peak). When all of B serves every row tile it is packed: the
            // copy is amortized over them and contiguous panels sit better in L1 (128×128·128×64: 55 in place, 58–60
            // packed). A transposed B is always packed.
            int inPlaceColumns = transB || rowsOutside ? 0 : n / nr * nr;
            int packedColumns = n - inPlaceColumns, packedLength = (packedColumns + nr - 1) / nr * nr * k;
            float* pp = (t_packedB ??= new AlignedBuffer()).Get(Math.Max(packedLength, 1));
            if (packedColumns > 0) GemmPacking.PackB(transB, B, ldb, 0, k, inPlaceColumns, packedColumns, nr, pp);
            int panels = (n + nr - 1) / nr, rowTiles = (m + mr - 1) / mr;
            int outerCount = rowsOutside ? rowTiles : panels, innerCount = rowsOutside ? panels : rowTiles;
            // The next product's rows, an even share per tile (no division per tile: two per tile cost 3–5 points of peak).
            int upcoming = next.Rows, perTile = (upcoming + outerCount * innerCount - 1) / (outerCount * innerCount), fetched = 0;
            for (int outer = 0; outer < outerCount; outer++)
                for (int inner = 0; inner < innerCount; inner++)
                {
                    if (fetched < upcoming)
                    {
                        int to = Math.Min(upcoming, fetched + perTile);
                        next.Fetch(fetched, to);
                        fetched = to;
                    }
                    int jr = (rowsOutside ? inner : outer) * nr, ir = (rowsOutside ? outer : inner) * mr;
                    int cols = Math.Min(nr, n - jr), rows = Math.Min(mr, m - ir);
                    bool inPlace = jr < inPlaceColumns;
                    float* bPanel = inPlace ? B + jr : pp + (long)(jr - inPlaceColumns) * k;
                    int bStride = inPlace ? ldb : nr;
                    float* aTile = A + (long)ir * aRow;
                    float* cTile = C + (long)ir * ldc + jr;
                    if (cols == nr) kernel.RunStrided(k, aTile, aRow, aStep, bPanel, bStride, cTile, ldc, rows);
                    else
                    {
                        kernel.RunStrided(k, aTile, aRow, aStep, bPanel, bStride, pt, nr, rows);
                        for (int i = 0; i < rows; i++) new ReadOnlySpan<float>(pt + i * nr, cols).CopyTo(new Span<float>(cTile + (long)i * ldc, cols));
                    }
                }
        }
    }

    /// <summary>A row-major block of rows × cols floats, ld apart.</summary>
    private readonly struct Block(float* start, int rows, int cols, int ld)
    {
        public int Rows => rows;

        public void FetchRows(int from, int to)
        {
            for (int r = from; r < to; r++)
                for (int j = 0; j < cols; j += 16) Sse.Prefetch1(start + (long)r * ld + j);
        }
    }

    /// <summary>The next product's B, A and output, fetched into L2 some rows at a time, in that order.</summary>
    private readonly struct Upcoming(Block b, Block a, Block c)
    {
        /// <summary>Rows of B, A and C; 0 when there is no next product.</summary>
        public int Rows => b.Rows + a.Rows + c.Rows;

        public void Fetch(int from, int to)
        {
            if (!Sse.IsSupported) return;
            int first = b.Rows, second = first + a.Rows;
            b.FetchRows(Math.Min(from, first), Math.Min(to, first));
            a.FetchRows(Math.Clamp(from - first, 0, a.Rows), Math.Clamp(to - first, 0, a.Rows));
            c.FetchRows(Math.Max(from - second, 0), Math.Max(to - second, 0));
        }
    }

    /// <summary>A 64-byte-aligned scratch buffer (a packed panel the kernel loads as whole cache lines), grown on demand.</summary>
    private sealed class AlignedBuffer
    {
        private float* _data;
        private int _length;

        public float* Get(int floats)
        {
            if (floats <= _length) return _data;
            if (_data is not null) System.Runtime.InteropServices.NativeMemory.AlignedFree(_data);
            _data = (float*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)floats * sizeof(float), 64);
            _length = floats;
            return _data;
        }

        ~AlignedBuffer()
        {
            if (_data is not null) System.Runtime.InteropServices.NativeMemory.AlignedFree(_data);
        }
    }
}
