import PlytixPrima
print(PlytixPrimaVersion.string)
