#:project ../src/Sprout/Sprout.csproj
#:package Microsoft.ML.OnnxRuntime@1.31.1
#:property RetainVMGarbageCollection=true
#:property ConcurrentGarbageCollection=false
// Train the book's MLP briefly, save it as safetensors, load it into a fresh network that has not seen any data
// (its shapes come from the file), export that to ONNX, run it in ONNX Runtime and compare the outputs.
// Run: dotnet run samples/export.cs
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Sprout;
using Sprout.Data;
using Sprout.Init;
using Sprout.IO;
using Sprout.Nn;
using Sprout.Training;

static Sequential Mlp() => new() { new Flatten(), new Dense(256, Activation.Relu), new Dense(10) };

Rng.Seed(42);
var train = FashionMnist.LoadSubset(Split.Train);
var test = FashionMnist.LoadSubset(Split.Test);
var net = Mlp();
net.Initialize(new Normal(0.01f));
var results = FitLoop.Run(net, new SoftmaxCrossEntropyLoss(), new Trainer(net.CollectParams(), new Sgd(0.1f, momentum: 0.9f)),
    new DataLoader(train.Images, train.Labels, 64, shuffle: true, seed: 1), new DataLoader(test.Images, test.Labels, 250), epochs: 2);
Console.WriteLine($"trained 2 epochs on the embedded subset: test accuracy {results[^1].TestAccuracy:F3}");

string checkpoint = Path.Combine(Path.GetTempPath(), "sprout-mlp.safetensors");
net.SaveParameters(checkpoint, new Dictionary<string, string> { ["model"] = "d2l MLP 784-256-10" });
Console.WriteLine($"saved {new FileInfo(checkpoint).Length:N0} bytes to {checkpoint}");

var restored = Mlp();
restored.Initialize();
Console.WriteLine($"fresh network, pending before load: {string.Join(", ", restored.PendingParameters())}");
restored.LoadParameters(checkpoint);
Console.WriteLine($"after load: {restored.CollectParams()["1.weight"]}");

var x = test.Images.Slice(0, 8);
var original = net.Forward(x).ToArray();
var reloaded = restored.Forward(x).ToArray();
Console.WriteLine($"saved and reloaded outputs identical, bit for bit: {original.SequenceEqual(reloaded)}");

string onnx = Path.Combine(Path.GetTempPath(), "sprout-mlp.onnx");
restored.ExportOnnx(onnx, new Shape(1, 1, 28, 28));
using var session = new InferenceSession(onnx);
var input = new DenseTensor<float>(x.ToArray(), x.Shape.ToArray());
using var outputs = session.Run([NamedOnnxValue.CreateFromTensor("input", input)]);
var fromOnnx = outputs.Single().AsEnumerable<float>().ToArray();
float maxDifference = original.Zip(fromOnnx, (a, b) => MathF.Abs(a - b)).Max();
Console.WriteLine($"ONNX Runtime {OrtEnv.Instance().GetVersionString()} on {onnx}: max |Sprout − ONNX| = {maxDifference:E2} over {fromOnnx.Length} outputs");
Console.WriteLine(maxDifference <= 1e-5f ? "outputs agree" : "outputs DISAGREE");
return maxDifference <= 1e-5f ? 0 : 1;
