import { createPinia } from 'pinia';
import { createApp } from 'vue';
import { ApiClient, errorMessage, setApiClient } from './api/client';
import { webBridgeFromLocation } from './api/web-bridge';
import App from './App.vue';
import ConnectionError from './components/ConnectionError.vue';
import './styles/theme.css';

async function boot(): Promise<void> {
  try {
    const bridge = window.backprop ?? (await webBridgeFromLocation(window.location));
    setApiClient(new ApiClient(bridge));
    createApp(App).use(createPinia()).mount('#app');
  } catch (error) {
    createApp(ConnectionError, { message: errorMessage(error) }).mount('#app');
  }
}

void boot();
