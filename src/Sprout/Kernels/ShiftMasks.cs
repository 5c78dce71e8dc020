using System.Collections.Concurrent;
using System.Runtime.Intrinsics;

namespace Sprout.Kernels;

/// <summary>
/// For a stride-1 convolution whose output has the input's size (odd kernel, padding (k − 1)/2, no dilation) on a small
/// plane, each kernel tap's im2col row is the input plane shifted by one offset, with the pixels whose tap falls in
/// the padding zeroed. This holds, per tap, that offset and 16-lane masks over the plane: <see cref="Gather"/> marks
/// the output pixels whose tap lies inside the image (im2col), <see cref="Scatter"/> the input pixels that some output
/// pixel reads through the tap (col2im). Made once per shape and kept: a network has a handful.
/// Row by row, a 3×3 plane costs a zero-fill, a copy of three values and another zero-fill per output row; ResNet-18's
/// 512-channel layers unfolded at 1.8 GB/s that way. Up to 32 wide the whole-plane path measured faster (one core,
/// <c>Sprout.Bench -- conv resnet</c>: unfold at 512 channels 3×3 2.99 → 0.57 ms, 256 at 6×6 3.51 → 0.55, 64 at 24×24
/// 3.05 → 1.19; fold 2.05 → 0.63, 2.58 → 0.71, 2.30 → 1.51).
/// </summary>
internal sealed class ShiftMasks
{
    /// <summary>Floats per AVX-512 vector.</summary>
    public const int Lanes = 16;
    /// <summary>Widest plane that takes this path (wider rows copy well one row at a time).</summary>
    private const int MaxWidth = 32;
    private const int MaxPlane = 32 * 32;

    private static readonly ConcurrentDictionary<(int H, int W, int Kh, int Kw, int PadH, int PadW), ShiftMasks> s_cache = new();
    private readonly int[] _shifts;

    private ShiftMasks(int h, int w, int kh, int kw, int padH, int padW)
    {
        Plane = h * w;
        Vectors = (Plane + Lanes - 1) / Lanes;
        Taps = kh * kw;
        _shifts = new int[Taps];
        Gather = new uint[Taps * Vectors * Lanes];
        Scatter = new uint[Gather.Length];
        for (int t = 0; t < Taps; t++)
        {
            int dy = t / kw - padH, dx = t % kw - padW;
            _shifts[t] = dy * w + dx;
            for (int pixel = 0; pixel < Plane; pixel++)
            {
                int y = pixel / w, x = pixel % w;
                int at = t * Vectors * Lanes + pixel;
                Gather[at] = Inside(y + dy, x + dx, h, w) ? uint.MaxValue : 0;    // output pixel reads input (y + dy, x + dx)
                Scatter[at] = Inside(y - dy, x - dx, h, w) ? uint.MaxValue : 0;   // input pixel is read by output (y − dy, x − dx)
            }
        }
        var tail = new uint[Lanes];
        for (int lane = 0; lane < Lanes; lane++) tail[lane] = lane < Plane - (Vectors - 1) * Lanes ? uint.MaxValue : 0;
        TailMask = Vector512.Create(tail).AsSingle();
    }

    /// <summary>The masks for this shape, or null when the plane is too large, the output differs in size, or the CPU lacks AVX-512.</summary>
    public static ShiftMasks? For(int h, int w, ConvGeometry g)
    {
        if (!Im2Col.Vectorized || !System.Runtime.Intrinsics.X86.Avx512F.IsSupported || w > MaxWidth || h * w > MaxPlane) return null;
        if (g is not { StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1 } || g.OutH(h) != h || g.OutW(w) != w) return null;
        return s_cache.GetOrAdd((h, w, g.KernelH, g.KernelW, g.PadH, g.PadW), key => new ShiftMasks(key.H, key.W, key.Kh, key.Kw, key.PadH, key.PadW));
    }

    /// <summary>Pixels in a plane.</summary>
    public int Plane { get; }
    /// <summary>16-lane vectors per plane (the last one partial unless the plane is a multiple of 16).</summary>
    public int Vectors { get; }
    /// <summary>Kernel taps (kh·kw), the im2col rows of one channel.</summary>
    public int Taps { get; }
    /// <summary>Per tap, <see cref="Vectors"/> × 16 lanes: all ones where the output pixel's tap lies inside the image.</summary>
    public uint[] Gather { get; }
    /// <summary>Per tap, <see cref="Vectors"/> × 16 lanes: all ones where the input pixel is under that tap of some output pixel.</summary>
    public uint[] Scatter { get; }
    /// <summary>The lanes of the last vector that lie inside the plane.</summary>
    public Vector512<float> TailMask { get; }

    /// <summary>Input index minus output index for tap <paramref name="tap"/>.</summary>
    public int Shift(int tap) => _shifts[tap];

    private static bool Inside(int y, int x, int h, int w) => (uint)y < (uint)h && (uint)x < (uint)w;
}
