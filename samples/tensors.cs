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
