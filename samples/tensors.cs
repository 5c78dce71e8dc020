#:project ../src/Sprout/Sprout.csproj
// Tensors in Sprout: made, combined, reduced and printed.
// Run: dotnet run samples/tensors.cs
using Sprout;

Rng.Seed(7);
var a = Tensor.Arange(6).Reshape(2, 3);
var b = Tensor.FromArray([10f, 20f, 30f], 3);
Console.WriteLine($"a =\n{a}\n");
Console.WriteLine($"a + b (broadcast over rows) =\n{a + b}\n");
Console.WriteLine($"a · aᵀ =\n{a.MatMul(a.Transpose())}\n");
Console.WriteLine($"sum over axis 1, keepDims =\n{a.Sum(axis: 1, keepDims: true)}\n");
Console.WriteLine($"softmax of [1000, 1000, -1000] =\n{Tensor.FromArray([1000f, 1000f, -1000f], 3).Softmax()}\n");
Console.WriteLine($"uniform (2, 4), seed 7 =\n{Tensor.RandomUniform(2, 4)}\n");
Console.WriteLine($"a large tensor prints with its middle elided =\n{Tensor.Arange(2000).Reshape(40, 50)}");

// Shapes: add and remove axes, stack, split, tile, pad.
var x = Tensor.Arange(6).Reshape(2, 3);
Console.WriteLine($"\nStack(0, x, 10x) has shape {Tensor.Stack(0, x, x * 10f).Shape}; x.Unsqueeze(1) {x.Unsqueeze(1).Shape}; x.Flatten(0) {x.Flatten(0).Shape}");
Console.WriteLine($"x.Select(0, 1) (row 1, as x[1]) =\n{x.Select(0, 1)}\nTensor.Arange(24).Reshape(2, 3, 4).SwapAxes(0, 1) has shape {Tensor.Arange(24).Reshape(2, 3, 4).SwapAxes(0, 1).Shape}");
Console.WriteLine($"x.Repeat(1, 2) =\n{x.Repeat(1, 2)}\nx.Pad([0, 1], [0, 1], -1) =\n{x.Pad([0, 1], [0, 1], -1f)}");

// Slicing with C# ranges, as PyTorch's x[:, 1:3] and x[-1]: a range keeps its axis, a position drops it; assigning writes in place.
var grid = Tensor.Arange(12).Reshape(3, 4);
Console.WriteLine($"grid[.., 1..3] =\n{grid[.., 1..3]}\ngrid[^1, ..] = {grid[^1, ..]}");
grid[.., 1..3] = Tensor.Scalar(0f);   // the book's edge image: X[:, 2:6] = 0
Console.WriteLine($"after grid[.., 1..3] = 0:\n{grid}");

// Indexing and masking: ids are float tensors holding whole numbers.
var ids = Tensor.FromArray([2, 0, 2], 3);
Console.WriteLine($"x.IndexSelect(1, [2, 0, 2]) =\n{x.IndexSelect(1, ids)}\nOneHot([2, 0, 2], 3) =\n{Tensor.OneHot(ids, 3)}");
Console.WriteLine($"x.MaskedFill(x > 2, 0) =\n{x.MaskedFill(x > 2f, 0f)}");

// Comparisons, orderings and reductions.
var (top, where) = Tensor.FromArray([3f, 1f, 4f, 1f, 5f], 5).TopK(2);
Console.WriteLine($"TopK(2) of [3, 1, 4, 1, 5]: values {top}, indices {where}");
Console.WriteLine($"x.Var(1) = {x.Var(1)}; x.LogSumExp(1) = {x.LogSumExp(1)}; x.CumSum(1) =\n{x.CumSum(1)}");

// Activations of modern networks, and batched products as attention uses them.
var z = Tensor.FromArray([-2f, -0.5f, 0f, 0.5f, 2f], 5);
Console.WriteLine($"GELU {z.Gelu()}\nSiLU {z.Silu()}\nMish {z.Mish()}");
var q = Tensor.RandomUniform(2, 4, 8, 16);   // (batch, heads, queries, dim)
var k = Tensor.RandomUniform(2, 4, 8, 16);
Console.WriteLine($"scores Q·Kᵀ: {Tensor.MatMul(q, k, transposeB: true).Shape}; (2, 8, 16)·(16, 5): {Tensor.RandomUniform(2, 8, 16).MatMul(Tensor.RandomUniform(16, 5)).Shape}");

// Writing in place, outside the recording: the book's from-scratch update w[:] = w - lr * grad, and zeroing a gradient.
var w = Tensor.FromArray([1f, 2f], 2);
w.AttachGrad();
Tensor loss;
using (Autograd.Record()) loss = (w * w).Sum();
loss.Backward();
w.CopyFrom(w - 0.1f * w.Grad());
w.Grad().Fill(0f);
Console.WriteLine($"after one step of w·w from [1, 2] at lr 0.1: w = {w}");
