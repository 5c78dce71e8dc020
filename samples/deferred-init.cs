#:project ../src/Sprout/Sprout.csproj
// The "Deferred Initialization" chapter of Dive into Deep Learning, cell by cell, in Sprout.
// Run: dotnet run samples/deferred-init.cs
using Sprout;
using Sprout.Init;
using Sprout.Nn;

Rng.Seed(42);

static Sequential GetNet() => new() { new Dense(256, Activation.Relu), new Dense(10) };

Section("Instantiating a network");
var net = GetNet();
Console.WriteLine(net);
Console.WriteLine(net.CollectParams());

Section("Touching the data before initialization is an error");
Show(() => net[0].Params["weight"].Data());

Section("net.Initialize(): nothing changes yet");
net.Initialize();
Console.WriteLine(net.CollectParams());
Show(() => net[0].Params["weight"].Data());

Section("The first forward pass infers every shape, layer after layer");
var x = Tensor.RandomUniform(2, 20);
net.Forward(x);
Console.WriteLine(net.CollectParams());
Console.WriteLine(net);

Section("Deferred initialization in practice: MyInit reports when it is called");
net = GetNet();
net.Initialize(new MyInit());
Console.WriteLine("(Initialize returned; MyInit printed nothing)");
x = Tensor.RandomUniform(2, 20);
var y = net.Forward(x);
Console.WriteLine("A second forward pass prints nothing:");
y = net.Forward(x);
Console.WriteLine($"(output shape {y.Shape})");

Section("Forced initialization: forceReinit refills at once");
net.Initialize(new MyInit(), forceReinit: true);

Section("Forced initialization: giving inUnits makes Initialize() immediate");
net = new Sequential { new Dense(256, Activation.Relu, inUnits: 20), new Dense(10, inUnits: 256) };
net.Initialize(new MyInit());

Section("PyTorch's flow: uninitialized parameters, a dry run, then an initializer");
net = GetNet();
var w0 = net.CollectParams()["0.weight"];
Console.WriteLine($"{w0} is {w0.State}");
net.Initialize();
Console.WriteLine($"Build(2, 20) -> output {net.Build(new Shape(2, 20))}, no arithmetic done");
net.Initialize(new Xavier(), forceReinit: true);
Console.WriteLine(net.CollectParams());

Section("Keras's flow: weights unknown until the first call");
net = GetNet();
net.Initialize();
Console.WriteLine($"before: {string.Join(", ", net.CollectParams().Select(kv => $"{kv.Key} {(kv.Value.IsInitialized ? kv.Value.Shape.ToString() : "(not built)")}"))}");
net.Forward(Tensor.RandomUniform(2, 20));
Console.WriteLine($"after:  {string.Join(", ", net.CollectParams().Select(kv => $"{kv.Key} {kv.Value.Shape}"))}");

Section("Summary: a shape-only table, before anything is filled");
Console.WriteLine(GetNet().Summary(new Shape(2, 20)));

Section("Exercise 1: only some input sizes given");
net = new Sequential { new Dense(256, Activation.Relu, inUnits: 20), new Dense(10) };
net.Initialize(new MyInit());
Console.WriteLine($"pending after Initialize(): {string.Join(", ", net.PendingParameters())}");
net.Forward(Tensor.RandomUniform(2, 20));
Console.WriteLine($"pending after the first forward: {(net.PendingParameters().Count == 0 ? "none" : string.Join(", ", net.PendingParameters()))}");

Section("Exercise 2: mismatching sizes");
net = new Sequential { new Dense(256, Activation.Relu, inUnits: 20), new Dense(10, inUnits: 256) };
net.Initialize();
Show(() => net.Forward(Tensor.RandomUniform(2, 30)));
net = GetNet();
net.Initialize();
net.Forward(Tensor.RandomUniform(2, 20));
Show(() => net.Forward(Tensor.RandomUniform(2, 21)));

Section("Exercise 3: inputs of varying dimensionality share one trunk");
var trunk = new Sequential { new Dense(64, Activation.Relu), new Dense(10) };
var small = new Sequential { new Dense(32, Activation.Relu), trunk };   // 8 input features
var large = new Sequential { new Dense(32, Activation.Relu), trunk };   // 100 input features
small.Initialize();
large.Initialize();
small.Forward(Tensor.RandomUniform(4, 8));
large.Forward(Tensor.RandomUniform(4, 100));
Console.WriteLine($"small adapter: {small[0].Params["weight"].Shape}; large adapter: {large[0].Params["weight"].Shape}");
Console.WriteLine($"one trunk: {ReferenceEquals(small.CollectParams()["1.0.weight"], large.CollectParams()["1.0.weight"])} ({trunk.CollectParams().ElementCount:N0} parameters, trained by both)");

Console.WriteLine("ShareParameters ties a new network to the trunk by name:");
var twin = new Sequential { new Dense(64, Activation.Relu), new Dense(10) };
Console.WriteLine($"tied {twin.ShareParameters(small.CollectParams().WithPrefix("1."))} parameters; twin is ready: {twin.PendingParameters().Count == 0}");

static void Section(string title) => Console.WriteLine($"\n== {title} ==");

static void Show(Action action)
{
    try { action(); Console.WriteLine("(no error)"); }
    catch (Exception e) { Console.WriteLine($"{e.GetType().Name}: {e.Message}"); }
}

/// <summary>The chapter's MyInit: reports each weight it is asked to fill, and fills nothing.</summary>
sealed class MyInit : Initializer
{
    protected override void InitWeight(string name, Tensor data) => Console.WriteLine($"Init {name} {data.Shape}");
}
